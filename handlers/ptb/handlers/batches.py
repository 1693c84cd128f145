"""Staff: batches (/batch, /batches, /assign) and the buttons of the batch card and the assignment view;
every handler carries the role filter."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import batch_usecases
from flows.batch_card import PREFIX
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_batch_command(update: Update, context: TurnContext) -> None:
    """/batch → the batch form; /batches → recent batches; /assign [batch] → assignment work."""
    outcome = await batch_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_batch_button(update: Update, context: TurnContext) -> None:
    """A button of the batch list, the card or the assignment view."""
    query = update.callback_query
    assert query is not None
    outcome = await batch_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    return [
        CommandHandler(batch_usecases.COMMANDS, on_batch_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(role_filter, on_batch_button, pattern=f"^{re.escape(PREFIX)}:"),
    ]
