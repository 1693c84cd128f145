"""Candidates: their admission tickets (/ticket and the "show ticket" button of the issue notice)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import batch_usecases
from bot.services.tickets import SHOW_BUTTON
from bot.services.turn import Turn
from flows.events import ButtonPress
from handlers.aiogram.convert import command_event
from handlers.aiogram.files import fetcher
from handlers.aiogram.sender import send


async def on_ticket(message: Message, bot: Bot, turn: Turn) -> None:
    """/ticket → each issued ticket as PNG and PDF."""
    outcome = await batch_usecases.own_tickets(turn, command_event(message), fetcher(bot))
    await send(bot, outcome.outgoing)


async def on_ticket_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """The notice's "show ticket" button."""
    outcome = await batch_usecases.own_tickets(turn, ButtonPress(query.data or ""), fetcher(bot))
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers."""
    router = Router(name="tickets")
    router.message.register(on_ticket, Command(batch_usecases.TICKET))
    router.callback_query.register(on_ticket_button, F.data == SHOW_BUTTON)
    return router
