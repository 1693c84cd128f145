"""The room record (C9): proctors confirm the papers count, staff get the record files; a role filter on each router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import room_record_usecases as usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send

PROCTOR_ROLES = usecases.PROCTOR_ROLES


async def on_papers(message: Message, bot: Bot, turn: Turn) -> None:
    """/papers ROOM COUNT [notes] → the count stored, staff notified."""
    outcome = await usecases.papers(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_papers_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """The one-tap confirmation of the expected count."""
    outcome = await usecases.papers_button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


async def on_record(message: Message, bot: Bot, turn: Turn) -> None:
    """/room_record [SITTING [ROOM]] → recent sittings, or the record as PDF and xlsx."""
    outcome = await usecases.record(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_record_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A sitting list, sitting or files button."""
    outcome = await usecases.record_button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """This feature's routers: one for proctors and one for staff, each with its role filter."""
    proctors = Router(name="room_records_proctors")
    proctors.message.filter(RoleFilter(*PROCTOR_ROLES))
    proctors.callback_query.filter(RoleFilter(*PROCTOR_ROLES))
    proctors.message.register(on_papers, Command(*usecases.PAPERS_COMMANDS))
    proctors.callback_query.register(on_papers_button, F.data.startswith(usecases.PAPERS_PREFIX + ":"))
    staff = Router(name="room_records_staff")
    staff.message.filter(RoleFilter(*STAFF_ROLES))
    staff.callback_query.filter(RoleFilter(*STAFF_ROLES))
    staff.message.register(on_record, Command(*usecases.RECORD_COMMANDS))
    staff.callback_query.register(on_record_button, F.data.startswith(usecases.RECORD_PREFIX + ":"))
    router = Router(name="room_records")
    router.include_routers(proctors, staff)
    return router
