"""/staff: accounts by role for staff and admins; the role buttons only for admins (their own router filter)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import staff_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_command(update: Update, context: TurnContext) -> None:
    """/staff → accounts by role."""
    outcome = await staff_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_button(update: Update, context: TurnContext) -> None:
    """Choose or set an account's role."""
    query = update.callback_query
    assert query is not None
    outcome = await staff_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter, button_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature: the command gated by `role_filter` (staff roles), the buttons by `button_filter`."""
    return [
        CommandHandler(staff_usecases.COMMANDS, on_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(button_filter, on_button, pattern=f"^{re.escape(staff_usecases.PREFIX)}:"),
    ]
