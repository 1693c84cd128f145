"""Staff and admin commands; every handler here carries the role filter."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter
from handlers.ptb.sender import send


async def on_invite(update: Update, context: TurnContext) -> None:
    """/invite ROLE → one-time deep link."""
    outcome = await usecases.invite(context.turn, command_event(update.message).args)
    await send(context.bot, outcome.outgoing)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    return [CommandHandler("invite", on_invite, filters=filters.UpdateType.MESSAGE & role_filter)]
