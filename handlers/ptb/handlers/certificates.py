"""Everyone: certificate queries (/cert and its buttons)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import cert_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.sender import send


async def on_cert(update: Update, context: TurnContext) -> None:
    """/cert [A B] → the certificate query."""
    outcome = await cert_usecases.query(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_cert_button(update: Update, context: TurnContext) -> None:
    """A certificate-query button."""
    query = update.callback_query
    assert query is not None
    outcome = await cert_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers() -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature."""
    return [
        CommandHandler(cert_usecases.COMMAND, on_cert, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(on_cert_button, pattern=f"^{re.escape(cert_usecases.PREFIX)}:"),
    ]
