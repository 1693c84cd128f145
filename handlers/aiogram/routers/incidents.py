"""Incidents (V1–V5): examiners and staff report and decide (role filter on that router); candidates only press the
appeal button of their notice (a second small router)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import incident_usecases
from bot.services.turn import Turn
from flows.incident import REPORT_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_incident_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/incident → the report form; /incidents → open cases (staff)."""
    outcome = await incident_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_incident_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """An incident card or notice button (sign, approve, reject, appeal decisions, photos; the appeal itself)."""
    outcome = await incident_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature: the examiners' and staff's router with its role filter, and the candidates' appeal."""
    examiners = Router(name="incidents")
    examiners.message.filter(RoleFilter(*REPORT_ROLES))
    examiners.callback_query.filter(RoleFilter(*REPORT_ROLES))
    examiners.message.register(on_incident_command, Command(*incident_usecases.COMMANDS))
    examiners.callback_query.register(on_incident_button, F.data.startswith(incident_usecases.PREFIX + ":"))
    candidates = Router(name="incident_appeals")
    candidates.callback_query.register(on_incident_button, F.data.startswith(incident_usecases.APPEAL_PREFIX))
    router = Router(name="incident_feature")
    router.include_routers(examiners, candidates)
    return router
