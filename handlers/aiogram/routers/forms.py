"""Everything that is not a command: input to the active form, button presses, edits, stickers."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message

from bot.services import usecases
from bot.services.turn import Turn
from flows.events import Unsupported
from handlers.aiogram.convert import callback_event, message_event
from handlers.aiogram.files import fetcher
from handlers.aiogram.sender import send


async def on_message(message: Message, bot: Bot, turn: Turn) -> None:
    """Text, contact, photo, document, unknown command or unsupported content."""
    outcome = await usecases.user_input(turn, message_event(message), fetcher(bot))
    await send(bot, outcome.outgoing)


async def on_edited(message: Message, bot: Bot, turn: Turn) -> None:
    """Edits are not input; say so and keep the state."""
    outcome = await usecases.user_input(turn, Unsupported("edited"))
    await send(bot, outcome.outgoing)


async def on_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Form navigation, choices and stale buttons."""
    outcome = await usecases.user_input(turn, callback_event(query))
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers."""
    router = Router(name="forms")
    router.message.register(on_message)
    router.edited_message.register(on_edited)
    router.callback_query.register(on_button)
    return router
