"""/export: applications, tickets and seats, or scores as xlsx; staff role filter on the router."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import export_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter
from handlers.ptb.sender import send


async def on_command(update: Update, context: TurnContext) -> None:
    """/export [applications|tickets|scores ID] → the menu or the workbook."""
    outcome = await export_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    return [
        CommandHandler(export_usecases.COMMANDS, on_command, filters=filters.UpdateType.MESSAGE & role_filter),
    ]
