"""Everyone: certificate queries (/cert and its buttons)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import cert_usecases
from bot.services.turn import Turn
from handlers.aiogram.convert import command_event
from handlers.aiogram.sender import send


async def on_cert(message: Message, bot: Bot, turn: Turn) -> None:
    """/cert [A B] → the certificate query."""
    outcome = await cert_usecases.query(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_cert_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A certificate-query button."""
    outcome = await cert_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers."""
    router = Router(name="certificates")
    router.message.register(on_cert, Command(cert_usecases.COMMAND))
    router.callback_query.register(on_cert_button, F.data.startswith(cert_usecases.PREFIX + ":"))
    return router
