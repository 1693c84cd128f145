"""/broadcast: a message to a batch's candidates or a role, queued through the outbox; staff role filter on the router."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import broadcast_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_command(update: Update, context: TurnContext) -> None:
    """/broadcast [batch ID | role ROLE] [text] → progress, or a checked preview."""
    outcome = await broadcast_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_button(update: Update, context: TurnContext) -> None:
    """Send, drop or progress of a broadcast."""
    query = update.callback_query
    assert query is not None
    outcome = await broadcast_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    return [
        CommandHandler(broadcast_usecases.COMMANDS, on_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(role_filter, on_button, pattern=f"^{re.escape(broadcast_usecases.PREFIX)}:"),
    ]
