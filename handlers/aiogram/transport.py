"""aiogram implementation of the Transport protocol used by the run modes and the webhook server."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from aiohttp import ClientError

from bot.app import App
from bot.outgoing import Outgoing
from handlers.aiogram.bot import create_bot
from handlers.aiogram.sender import send
from handlers.aiogram.setup import build_dispatcher
from handlers.base import ALLOWED_UPDATES, DeliveryFailed, MenuScope

log = logging.getLogger(__name__)

# Refusals a retry cannot fix: blocked by the user, chat not found or migrated, invalid message, file too large.
PERMANENT = (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound, TelegramMigrateToChat, TelegramEntityTooLarge)


class AiogramTransport:
    """Feeds raw updates through the production Dispatcher and makes setup calls with one Bot."""

    name = "aiogram"

    def __init__(self, app: App, bot: Bot | None = None) -> None:
        self.app = app
        self.bot = bot or create_bot(app.settings)
        self.dispatcher: Dispatcher = build_dispatcher(app)

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update to completion (TemporaryFailure propagates for redelivery)."""
        parsed = Update.model_validate(update, context={"bot": self.bot})
        await self.dispatcher.feed_update(self.bot, parsed)

    async def deliver(self, out: Outgoing) -> None:
        """Send one message with the shared sender; Telegram errors become DeliveryFailed."""
        try:
            await send(self.bot, [out])
        except TelegramRetryAfter as exc:
            raise DeliveryFailed(float(exc.retry_after), False, exc.message) from exc
        except PERMANENT as exc:
            raise DeliveryFailed(None, True, exc.message) from exc
        except (TelegramNetworkError, ClientError, asyncio.TimeoutError) as exc:  # the message may hold a URL: type only
            raise DeliveryFailed(None, False, type(exc).__name__) from exc
        except TelegramAPIError as exc:  # server errors, conflicts, a revoked token: retried with backoff
            raise DeliveryFailed(None, False, exc.message) from exc

    async def set_webhook(self, url: str, secret: str | None, allowed_updates: list[str]) -> None:
        """setWebhook with the secret token and the update types the bot handles."""
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False)

    async def delete_webhook(self) -> None:
        """deleteWebhook, keeping pending updates."""
        await self.bot.delete_webhook(drop_pending_updates=False)

    async def set_menus(self, scopes: list[MenuScope]) -> None:
        """setMyCommands per scope and language."""
        for scope in scopes:
            commands = [BotCommand(command=c.command, description=c.description) for c in scope.commands]
            target = BotCommandScopeChat(chat_id=scope.chat_id) if scope.chat_id else BotCommandScopeDefault()
            await self.bot.set_my_commands(commands, scope=target, language_code=scope.language_code)

    async def bot_username(self) -> str | None:
        """@username of the bot."""
        me = await self.bot.get_me()
        return me.username

    async def run_polling(self) -> None:
        """Long polling; updates are handled one by one so a user's updates keep their order."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.start_polling(
            self.bot, allowed_updates=ALLOWED_UPDATES, handle_signals=False, close_bot_session=False
        )

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.bot.session.close()
