"""Staff: the certificate registry card, corrections, revocation, reissue, deletion, roster import and export."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.services import cert_admin_usecases, cert_import_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_certificate(update: Update, context: TurnContext) -> None:
    """/certificate NUMBER → the registry card."""
    outcome = await cert_admin_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_export(update: Update, context: TurnContext) -> None:
    """/export_certificates → the roster workbook."""
    outcome = await cert_import_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_card_button(update: Update, context: TurnContext) -> None:
    """A certificate-card button."""
    query = update.callback_query
    assert query is not None
    outcome = await cert_admin_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


async def on_import_button(update: Update, context: TurnContext) -> None:
    """Confirm or drop a pending roster import."""
    query = update.callback_query
    assert query is not None
    outcome = await cert_import_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (staff roles)."""
    message = filters.UpdateType.MESSAGE & role_filter
    return [
        CommandHandler(cert_admin_usecases.COMMANDS, on_certificate, filters=message),
        CommandHandler(cert_import_usecases.COMMANDS, on_export, filters=message),
        RoleGatedCallbackQueryHandler(role_filter, on_card_button, pattern=f"^{re.escape(cert_admin_usecases.PREFIX)}:"),
        RoleGatedCallbackQueryHandler(role_filter, on_import_button, pattern=f"^{re.escape(cert_import_usecases.PREFIX)}:"),
    ]
