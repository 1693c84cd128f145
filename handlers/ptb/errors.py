"""Failure handling: handler errors are handed back to the transport, apologies, PII-free descriptions."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.ext import ApplicationHandlerStop

from bot.app import App
from bot.logs import failure_site
from handlers.ptb.context import TurnContext

log = logging.getLogger(__name__)


async def record_error(update: object, context: TurnContext) -> None:
    """PTB error handler: keep the handler's error in the update's scope so the transport re-raises it there."""
    error = context.error
    if context.scope is not None and error is not None:
        if context.scope.error is None:
            context.scope.error = error
        raise ApplicationHandlerStop
    if error is not None:
        log.error("PTB error outside an update scope: %s at %s", type(error).__name__, failure_site(error))


async def apologize(bot: Bot, app: App, chat_id: int) -> None:
    """Best-effort localized apology after an unexpected failure."""
    try:
        await bot.send_message(chat_id, app.i18n.render(app.settings.default_locale, "error.internal"))
    except Exception:  # the apology itself must never raise
        log.warning("could not send the error notice")
