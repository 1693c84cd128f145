"""Incidents (V1–V5): examiners and staff report and decide (every handler carries the role filter); candidates only
press the appeal button of their notice."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import incident_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_incident_command(update: Update, context: TurnContext) -> None:
    """/incident → the report form; /incidents → open cases (staff)."""
    outcome = await incident_usecases.route(context.turn, command_event(update.message))
    await send(context.bot, outcome.outgoing)


async def on_incident_button(update: Update, context: TurnContext) -> None:
    """An incident card or notice button (sign, approve, reject, appeal decisions, photos; the appeal itself)."""
    query = update.callback_query
    assert query is not None
    outcome = await incident_usecases.button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature: examiners and staff (`role_filter`: flows.incident.REPORT_ROLES), then the
    candidates' appeal button."""
    return [
        CommandHandler(incident_usecases.COMMANDS, on_incident_command, filters=filters.UpdateType.MESSAGE & role_filter),
        RoleGatedCallbackQueryHandler(role_filter, on_incident_button, pattern=f"^{re.escape(incident_usecases.PREFIX)}:"),
        CallbackQueryHandler(on_incident_button, pattern=f"^{re.escape(incident_usecases.APPEAL_PREFIX)}"),
    ]
