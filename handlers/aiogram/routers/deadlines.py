"""Staff deadlines: `/deadlines`, `/done`, `/holidays` and their buttons; the staff role filter is on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import deadline_usecases as usecases
from bot.services.turn import Turn
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/deadlines [batch], /done BATCH RULE, /holidays."""
    outcome = await usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_done_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A done button of the list or of a reminder."""
    outcome = await usecases.done_button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


async def on_holiday_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Store or drop the checked holiday file."""
    outcome = await usecases.holiday_button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """This feature's router, for staff and admins only."""
    router = Router(name="deadlines")
    router.message.filter(RoleFilter(*usecases.ROLES))
    router.callback_query.filter(RoleFilter(*usecases.ROLES))
    router.message.register(on_command, Command(*usecases.COMMANDS))
    router.callback_query.register(on_done_button, F.data.startswith(usecases.DONE_PREFIX + ":"))
    router.callback_query.register(on_holiday_button, F.data.startswith(usecases.HOLIDAY_PREFIX + ":"))
    return router
