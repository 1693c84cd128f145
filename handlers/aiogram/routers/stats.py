"""/stats: pass rates per batch and occupation and the O1 flag; staff role filter on the router."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services import stats_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/stats → the report."""
    outcome = await stats_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="stats")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_command, Command(*stats_usecases.COMMANDS))
    return router
