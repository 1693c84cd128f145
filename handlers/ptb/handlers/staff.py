"""Staff and admin commands and buttons; every handler here carries the role filter."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import announce_usecases, usecases
from flows.review_card import PREFIX as REVIEW_PREFIX
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_invite(update: Update, context: TurnContext) -> None:
    """/invite ROLE → one-time deep link."""
    outcome = await usecases.invite(context.turn, command_event(update.message).args)
    await send(context.bot, outcome.outgoing)


async def on_review(update: Update, context: TurnContext) -> None:
    """/review → the oldest application awaiting review."""
    outcome = await usecases.review(context.turn)
    await send(context.bot, outcome.outgoing)


async def on_review_button(update: Update, context: TurnContext) -> None:
    """A review-queue button: decide, reason, files, next."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.review(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


async def on_export(update: Update, context: TurnContext) -> None:
    """/export_applications ID → the roster workbook."""
    outcome = await usecases.export_applications(context.turn, command_event(update.message).args)
    await send(context.bot, outcome.outgoing)


async def on_announcement_command(update: Update, context: TurnContext) -> None:
    """/announce, /announcements, /close_announcement ID."""
    outcome = await announce_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    message = filters.UpdateType.MESSAGE & role_filter
    return [
        CommandHandler("invite", on_invite, filters=message),
        CommandHandler(announce_usecases.COMMANDS, on_announcement_command, filters=filters.UpdateType.MESSAGE & role_filter),
        CommandHandler("review", on_review, filters=message),
        CommandHandler("export_applications", on_export, filters=message),
        RoleGatedCallbackQueryHandler(role_filter, on_review_button, pattern=f"^{re.escape(REVIEW_PREFIX)}:"),
    ]
