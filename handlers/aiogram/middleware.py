"""Outer update middleware: dedup, one DB session per update, user role and locale in handler data."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User

from bot.app import App
from bot.logs import failure_site
from bot.services.intake import update_scope
from bot.services.turn import Actor
from handlers.base import TemporaryFailure
from handlers.errors import is_transient

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def apologize(bot: Bot, app: App, chat_id: int) -> None:
    """Best-effort localized apology after an unexpected failure."""
    try:
        await bot.send_message(chat_id, app.i18n.render(app.settings.default_locale, "error.internal"))
    except Exception:  # the apology itself must never raise
        log.warning("could not send the error notice")


class UpdateScopeMiddleware(BaseMiddleware):
    """Opens the update's unit of work and exposes `turn` and `role` to filters and handlers."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Skip processed updates; turn store outages into TemporaryFailure for redelivery."""
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        actor = None
        if user is not None and not user.is_bot and (chat is None or chat.type == "private"):  # forms are one-to-one
            actor = Actor(user.id, chat.id if chat else user.id, user.first_name, user.username)
        try:
            async with update_scope(self.app, event.update_id, actor) as turn:
                if turn is None:
                    return None
                data["turn"] = turn
                data["role"] = (await turn.user()).role
                return await handler(event, data)
        except Exception as exc:
            if is_transient(exc):
                log.warning("update %s: store unavailable (%s); asking for redelivery", event.update_id, type(exc).__name__)
                raise TemporaryFailure(str(event.update_id)) from exc
            log.error("update %s failed: %s at %s", event.update_id, type(exc).__name__, failure_site(exc))
            if actor is not None:
                await apologize(data["bot"], self.app, actor.chat_id)
            return None
