"""The room record (C9): proctors confirm the papers count, staff get the record files; every handler carries its
role filter (proctors for the count, staff for the files)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import room_record_usecases as usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send

PROCTOR_ROLES = usecases.PROCTOR_ROLES


async def on_papers(update: Update, context: TurnContext) -> None:
    """/papers ROOM COUNT [notes] → the count stored, staff notified."""
    outcome = await usecases.papers(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_papers_button(update: Update, context: TurnContext) -> None:
    """The one-tap confirmation of the expected count."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.papers_button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


async def on_record(update: Update, context: TurnContext) -> None:
    """/room_record [SITTING [ROOM]] → recent sittings, or the record as PDF and xlsx."""
    outcome = await usecases.record(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_record_button(update: Update, context: TurnContext) -> None:
    """A sitting list, sitting or files button."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.record_button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(staff_filter: RoleFilter, proctor_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature: the papers count gated by `proctor_filter`, the record files by `staff_filter`."""
    return [
        CommandHandler(usecases.PAPERS_COMMANDS, on_papers, filters=filters.UpdateType.MESSAGE & proctor_filter),
        RoleGatedCallbackQueryHandler(proctor_filter, on_papers_button, pattern=f"^{re.escape(usecases.PAPERS_PREFIX)}:"),
        CommandHandler(usecases.RECORD_COMMANDS, on_record, filters=filters.UpdateType.MESSAGE & staff_filter),
        RoleGatedCallbackQueryHandler(staff_filter, on_record_button, pattern=f"^{re.escape(usecases.RECORD_PREFIX)}:"),
    ]
