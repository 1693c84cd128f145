"""Candidates: their admission tickets (/ticket and the "show ticket" button of the issue notice)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import batch_usecases
from bot.services.tickets import SHOW_BUTTON
from flows.events import ButtonPress
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.files import fetcher
from handlers.ptb.sender import send


async def on_ticket(update: Update, context: TurnContext) -> None:
    """/ticket → each issued ticket as PNG and PDF."""
    outcome = await batch_usecases.own_tickets(context.turn, command_event(update.message), fetcher(context.bot))
    await send(context.bot, outcome.outgoing)


async def on_ticket_button(update: Update, context: TurnContext) -> None:
    """The notice's "show ticket" button."""
    query = update.callback_query
    assert query is not None
    outcome = await batch_usecases.own_tickets(context.turn, ButtonPress(query.data or ""), fetcher(context.bot))
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers() -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature."""
    return [
        CommandHandler(batch_usecases.TICKET, on_ticket, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(on_ticket_button, pattern=f"^{re.escape(SHOW_BUTTON)}$"),
    ]
