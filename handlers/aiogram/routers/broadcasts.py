"""/broadcast: a message to a batch's candidates or a role, queued through the outbox; staff role filter on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import broadcast_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/broadcast [batch ID | role ROLE] [text] → progress, or a checked preview."""
    outcome = await broadcast_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Send, drop or progress of a broadcast."""
    outcome = await broadcast_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="broadcasts")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_command, Command(*broadcast_usecases.COMMANDS))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.register(on_button, F.data.startswith(broadcast_usecases.PREFIX + ":"))
    return router
