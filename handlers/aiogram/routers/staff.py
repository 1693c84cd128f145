"""Staff and admin commands and buttons; the role filter sits on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import announce_usecases, usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from flows.review_card import PREFIX as REVIEW_PREFIX
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_invite(message: Message, bot: Bot, turn: Turn) -> None:
    """/invite ROLE → one-time deep link."""
    outcome = await usecases.invite(turn, command_event(message).args)
    await send(bot, outcome.outgoing)


async def on_review(message: Message, bot: Bot, turn: Turn) -> None:
    """/review → the oldest application awaiting review."""
    outcome = await usecases.review(turn)
    await send(bot, outcome.outgoing)


async def on_review_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A review-queue button: decide, reason, files, next."""
    outcome = await usecases.review(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


async def on_export(message: Message, bot: Bot, turn: Turn) -> None:
    """/export_applications ID → the roster workbook."""
    outcome = await usecases.export_applications(turn, command_event(message).args)
    await send(bot, outcome.outgoing)


async def on_announcement_command(message: Message, bot: Bot, turn: Turn) -> None:
    """/announce, /announcements, /close_announcement ID."""
    outcome = await announce_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="staff")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_invite, Command("invite"))
    router.message.register(on_announcement_command, Command(*announce_usecases.COMMANDS))
    router.message.register(on_review, Command("review"))
    router.message.register(on_export, Command("export_applications"))
    router.callback_query.register(on_review_button, F.data.startswith(REVIEW_PREFIX + ":"))
    return router
