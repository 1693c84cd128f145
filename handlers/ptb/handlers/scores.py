"""Staff: score entry with double check (/scores), results publicity (/publish), certificates of a batch (/issue)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import score_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_command(update: Update, context: TurnContext) -> None:
    """/scores, /publish, /issue."""
    outcome = await score_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_button(update: Update, context: TurnContext) -> None:
    """Confirm scores, issue certificates, or drop."""
    query = update.callback_query
    assert query is not None
    outcome = await score_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    message = filters.UpdateType.MESSAGE & role_filter
    return [
        CommandHandler(score_usecases.COMMANDS, on_command, filters=message),
        RoleGatedCallbackQueryHandler(role_filter, on_button, pattern=f"^{re.escape(score_usecases.PREFIX)}:"),
    ]
