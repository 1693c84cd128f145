"""Exam day: the checklist buttons (tick an item, refresh the overview); every handler carries the role filter."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.services import checklist_usecases
from handlers.ptb.context import TurnContext
from handlers.ptb.filters import RoleFilter, RoleGatedCallbackQueryHandler
from handlers.ptb.sender import send


async def on_checklist_button(update: Update, context: TurnContext) -> None:
    """A `ck:` button: the answer, and the pressed message edited in place."""
    query = update.callback_query
    assert query is not None
    outcome = await checklist_usecases.button(context.turn, query.data or "")
    message = query.message
    pressed = (message.chat.id, message.message_id) if message is not None else None
    await send(context.bot, outcome.outgoing, query.id, pressed)


def create_handlers(role_filter: RoleFilter) -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, gated by `role_filter` (exam roles, staff, admins)."""
    return [RoleGatedCallbackQueryHandler(role_filter, on_checklist_button, pattern=f"^{re.escape(checklist_usecases.PREFIX)}:")]
