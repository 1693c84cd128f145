"""Commands every role has: /start (with deep links), /help, /lang, /cancel, /whoami, /profile, /apply, /my."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import usecases
from bot.services.turn import Turn
from flows.commands import LANG_PREFIX
from flows.my import PREFIX as APPLICATION_PREFIX
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


async def on_my(message: Message, bot: Bot, turn: Turn) -> None:
    """/my → the user's applications."""
    outcome = await usecases.my_applications(turn)
    await send(bot, outcome.outgoing)


async def on_application_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A "fix and resubmit" button."""
    outcome = await usecases.application_button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers."""
    router = Router(name="common")
    router.message.register(on_start, Command("start"))
    router.message.register(on_simple_command, Command(*usecases.SIMPLE_COMMANDS))
    router.message.register(on_my, Command("my"))
    router.callback_query.register(on_lang_button, F.data.startswith(LANG_PREFIX))
    router.callback_query.register(on_application_button, F.data.startswith(APPLICATION_PREFIX + ":"))
    return router
