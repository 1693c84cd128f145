"""Staff: the certificate registry card, corrections, revocation, reissue, deletion, roster import and export."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services import cert_admin_usecases, cert_import_usecases
from bot.services.turn import Turn
from flows.menu import STAFF_ROLES
from handlers.aiogram.convert import command_event
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_certificate(message: Message, bot: Bot, turn: Turn) -> None:
    """/certificate NUMBER → the registry card."""
    outcome = await cert_admin_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_export(message: Message, bot: Bot, turn: Turn) -> None:
    """/export_certificates → the roster workbook."""
    outcome = await cert_import_usecases.route(turn, command_event(message))
    await send(bot, outcome.outgoing)


async def on_card_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A certificate-card button."""
    outcome = await cert_admin_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


async def on_import_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """Confirm or drop a pending roster import."""
    outcome = await cert_import_usecases.button(turn, query.data or "")
    await send(bot, outcome.outgoing, query.id)


def create_router() -> Router:
    """Router of this feature with its handlers and role filter."""
    router = Router(name="cert_admin")
    router.message.filter(RoleFilter(*STAFF_ROLES))
    router.callback_query.filter(RoleFilter(*STAFF_ROLES))
    router.message.register(on_certificate, Command(*cert_admin_usecases.COMMANDS))
    router.message.register(on_export, Command(*cert_import_usecases.COMMANDS))
    router.callback_query.register(on_card_button, F.data.startswith(cert_admin_usecases.PREFIX + ":"))
    router.callback_query.register(on_import_button, F.data.startswith(cert_import_usecases.PREFIX + ":"))
    return router
