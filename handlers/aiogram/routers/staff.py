"""Staff and admin commands; the role filter sits on the router."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services import usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter

from handlers.aiogram.sender import send


async def on_invite(message: Message, bot: Bot, turn: Turn) -> None:
    """/invite ROLE → one-time deep link."""
    outcome = await usecases.invite(turn, command_event(message).args)
    await send(bot, outcome.outgoing)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="staff")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_invite, Command("invite"))
    return router
