"""Staff: score entry with double check (/scores), results publicity (/publish), certificates of a batch (/issue)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import score_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/scores, /publish, /issue."""
    outcome = await score_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Confirm scores, issue certificates, or drop."""
    outcome = await score_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="scores")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_command, Command(*score_usecases.COMMANDS))
    router.callback_query.register(on_button, F.data.startswith(score_usecases.PREFIX + ":"))
    return router
