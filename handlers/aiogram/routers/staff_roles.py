"""/staff: accounts by role for staff and admins; the role buttons only for admins (their own router filter)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import staff_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/staff → accounts by role."""
    outcome = await staff_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Choose or set an account's role."""
    outcome = await staff_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="staff_roles")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_command, Command(*staff_usecases.COMMANDS))
    router.callback_query.filter(RoleFilter(*staff_usecases.CHANGE_ROLES))
    router.callback_query.register(on_button, F.data.startswith(staff_usecases.PREFIX + ":"))
    return router
