"""Exam day: the five-point check (/check, ✅ / ⚠️ buttons) and absentees (/attendance, the T+30 list's buttons) for
proctors, supervisors and staff; the role filter sits on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import attendance_usecases
from bot.services.turn import Turn
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_attendance_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/check NUMBER → the check card; /attendance → the room's check-in and absentees."""
    outcome = await attendance_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_attendance_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A ✅ / ⚠️ / absent / room button."""
    outcome = await attendance_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="attendance")
    router.message.filter(RoleFilter(*attendance_usecases.ROLES))
    router.callback_query.filter(RoleFilter(*attendance_usecases.ROLES))
    router.message.register(on_attendance_command, Command(*attendance_usecases.COMMANDS))
    router.callback_query.register(on_attendance_button, F.data.startswith(attendance_usecases.PREFIX + ":"))
    return router
