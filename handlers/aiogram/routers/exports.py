"""/export: applications, tickets and seats, or scores as xlsx; staff role filter on the router."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services import export_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/export [applications|tickets|scores ID] → the menu or the workbook."""
    outcome = await export_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="exports")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_command, Command(*export_usecases.COMMANDS))
    return router
