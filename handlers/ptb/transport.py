"""python-telegram-bot implementation of the Transport protocol used by the run modes and the webhook server."""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.app import App
from bot.outgoing import Outgoing
from handlers.base import ALLOWED_UPDATES, DeliveryFailed, MenuScope, TemporaryFailure
from handlers.ptb.app import PtbApplication, create_application
from handlers.ptb.scope import process
from handlers.ptb.sender import send
from handlers.ptb.setup import register_handlers

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30
MIN_BACKOFF = 1.0
MAX_BACKOFF = 30.0


def _backoff(delay: float) -> float:
    """Next retry delay: MIN_BACKOFF, doubling up to MAX_BACKOFF."""
    return min(max(delay * 2, MIN_BACKOFF), MAX_BACKOFF)


def _seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds (an int or a timedelta depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PtbTransport:
    """Feeds raw updates through the production Application and makes setup calls with its Bot."""

    name = "ptb"

    def __init__(self, app: App, application: PtbApplication | None = None) -> None:
        self.app = app
        self.application = application or create_application(app.settings)
        register_handlers(self.application)
        self._init_lock = asyncio.Lock()
        self._initialized = False

    async def _ready(self) -> PtbApplication:
        """The Application, initialized on first use (initialize() calls getMe)."""
        async with self._init_lock:
            if not self._initialized:
                await self.application.initialize()
                self._initialized = True
        return self.application

    async def _process(self, update: Update) -> None:
        await process(await self._ready(), self.app, update)

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update to completion (TemporaryFailure propagates for redelivery)."""
        application = await self._ready()
        await self._process(Update.de_json(update, application.bot))

    async def deliver(self, out: Outgoing) -> None:
        """Send one message with the shared sender; Telegram errors become DeliveryFailed."""
        try:
            await send((await self._ready()).bot, [out])
        except RetryAfter as exc:
            raise DeliveryFailed(_seconds(exc), False, exc.message) from exc
        except (Forbidden, BadRequest, ChatMigrated) as exc:  # blocked, chat not found, invalid message: never retried
            raise DeliveryFailed(None, True, exc.message) from exc
        except NetworkError as exc:  # also TimedOut; the message may hold a URL: type only
            raise DeliveryFailed(None, False, type(exc).__name__) from exc
        except TelegramError as exc:  # conflicts, a revoked token: retried with backoff
            raise DeliveryFailed(None, False, exc.message) from exc

    async def set_webhook(self, url: str, secret: str | None, allowed_updates: list[str]) -> None:
        """setWebhook with the secret token and the update types the bot handles."""
        bot = (await self._ready()).bot
        await bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False)

    async def delete_webhook(self) -> None:
        """deleteWebhook, keeping pending updates."""
        await (await self._ready()).bot.delete_webhook(drop_pending_updates=False)

    async def set_menus(self, scopes: list[MenuScope]) -> None:
        """setMyCommands per scope and language."""
        bot = (await self._ready()).bot
        for scope in scopes:
            commands = [BotCommand(c.command, c.description) for c in scope.commands]
            target = BotCommandScopeChat(scope.chat_id) if scope.chat_id else BotCommandScopeDefault()
            await bot.set_my_commands(commands, scope=target, language_code=scope.language_code)

    async def bot_username(self) -> str | None:
        """@username of the bot (from the getMe made by initialize)."""
        return (await self._ready()).bot.username

    async def run_polling(self) -> None:
        """Long polling until cancelled; updates are handled one by one so a user's updates keep their order."""
        bot = (await self._ready()).bot
        await bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        backoff = 0.0  # grows while getUpdates or the store keep failing; reset by a clean batch
        while True:
            if backoff:
                await asyncio.sleep(backoff)
            try:
                batch = await bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
            except (NetworkError, RetryAfter, Conflict) as exc:  # an invalid token and the like stop polling
                log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                backoff = _backoff(backoff)
                continue
            offset, clean = await self._process_batch(batch, offset)
            backoff = 0.0 if clean else _backoff(backoff)

    async def _process_batch(self, batch: tuple[Update, ...], offset: int | None) -> tuple[int | None, bool]:
        """Process updates in order; stop at a TemporaryFailure so getUpdates redelivers from that update."""
        for update in batch:
            try:
                await self._process(update)
            except TemporaryFailure:
                return offset, False
            offset = update.update_id + 1
        return offset, True

    async def close(self) -> None:
        """Release the Application's HTTP clients."""
        async with self._init_lock:
            if self._initialized:
                await self.application.shutdown()
                self._initialized = False
