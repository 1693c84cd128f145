"""Exam day: the checklist buttons (tick an item, refresh the overview); the role filter sits on the router."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from bot.services import checklist_usecases
from bot.services.turn import Turn
from handlers.aiogram.filters import RoleFilter
from handlers.aiogram.sender import send


async def on_checklist_button(query: CallbackQuery, bot: Bot, turn: Turn) -> None:
    """A `ck:` button: the answer, and the pressed message edited in place."""
    outcome = await checklist_usecases.button(turn, query.data or "")
    message = query.message
    pressed = (message.chat.id, message.message_id) if message is not None else None
    await send(bot, outcome.outgoing, query.id, pressed)


def create_router() -> Router:
    """Router of this feature with its handler and role filter (exam roles, staff, admins)."""
    router = Router(name="checklists")
    router.callback_query.filter(RoleFilter(*checklist_usecases.CHECKLIST_ROLES))
    router.callback_query.register(on_checklist_button, F.data.startswith(checklist_usecases.PREFIX + ":"))
    return router
