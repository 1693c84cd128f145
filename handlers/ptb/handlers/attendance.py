"""Exam day: the five-point check (/check, ✅ / ⚠️ buttons) and absentees (/attendance, the T+30 list's buttons) for
proctors, supervisors and staff; every handler carries the role filter."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import attendance_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_attendance_command(update: Update, context: TurnContext) -> None:
    """/check NUMBER → the check card; /attendance → the room's check-in and absentees."""
    outcome = await attendance_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_attendance_button(update: Update, context: TurnContext) -> None:
    """A ✅ / ⚠️ / absent / room button."""
    query = update.callback_query
    assert query is not None
    outcome = await attendance_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (attendance_usecases.ROLES: proctors, supervisors, staff)."""
    return [
        CommandHandler(attendance_usecases.COMMANDS, on_attendance_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(role_filter, on_attendance_button, pattern=f"^{re.escape(attendance_usecases.PREFIX)}:"),
    ]
