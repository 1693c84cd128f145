"""Commands every role has: /start (with deep links), /help, /lang, /cancel, /whoami, /profile."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import usecases
from bot.services.turn import Turn
from flows.commands import LANG_PREFIX
from handlers.aiogram.convert import command_event
from handlers.aiogram.sender import send


async def on_start(message: Message, bot: Bot, turn: Turn) -> None:
    """Welcome, or redeem a deep-link payload first."""
    outcome = await usecases.start(turn, command_event(message).args)
    await send(bot, outcome.outgoing)


async def on_simple_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/help, /lang, /cancel, /whoami, /profile."""
    event = command_event(message)
    outcome = await usecases.simple(turn, event.name, event)
    await send(bot, outcome.outgoing)


async def on_lang_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A language button."""
    outcome = await usecases.choose_lang(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers."""
    router = Router(name="common")
    router.message.register(on_start, Command("start"))
    router.message.register(on_simple_command, Command(*usecases.SIMPLE_COMMANDS))
    router.callback_query.register(on_lang_button, F.data.startswith(LANG_PREFIX))
    return router
