"""Staff: batches (/batch, /batches, /assign) and the buttons of the batch card and the assignment view;
the role filter sits on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import batch_usecases
from bot.services.turn import Turn
from flows.batch_card import PREFIX
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_batch_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/batch → the batch form; /batches → recent batches; /assign [batch] → assignment work."""
    outcome = await batch_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_batch_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A button of the batch list, the card or the assignment view."""
    outcome = await batch_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="batches")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_batch_command, Command(*batch_usecases.COMMANDS))
    router.callback_query.register(on_batch_button, F.data.startswith(PREFIX + ":"))
    return router
