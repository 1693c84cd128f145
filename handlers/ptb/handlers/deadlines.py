"""Staff deadlines: `/deadlines`, `/done`, `/holidays` and their buttons; every handler carries the staff role filter."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import deadline_usecases as usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_command(update: Update, context: TurnContext) -> None:
    """/deadlines [batch], /done BATCH RULE, /holidays."""
    outcome = await usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_done_button(update: Update, context: TurnContext) -> None:
    """A done button of the list or of a reminder."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.done_button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


async def on_holiday_button(update: Update, context: TurnContext) -> None:
    """Store or drop the checked holiday file."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.holiday_button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff and admins)."""
    return [
        CommandHandler(usecases.COMMANDS, on_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(role_filter, on_done_button, pattern=f"^{re.escape(usecases.DONE_PREFIX)}:"),
        RoleGatedCallbackQueryHandler(role_filter, on_holiday_button, pattern=f"^{re.escape(usecases.HOLIDAY_PREFIX)}:"),
    ]
