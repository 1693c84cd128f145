"""Everything that is not a command: input to the active form, button presses, edits, stickers."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.services import usecases
from flows.events import Unsupported
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import callback_event, message_event
from handlers.ptb.files import fetcher
from handlers.ptb.sender import send


async def on_message(update: Update, context: TurnContext) -> None:
    """Text, contact, photo, document, unknown command or unsupported content."""
    assert update.message is not None
    outcome = await usecases.user_input(context.turn, message_event(update.message), fetcher(context.bot))
    await send(context.bot, outcome.outgoing)


async def on_edited(update: Update, context: TurnContext) -> None:
    """Edits are not input; say so and keep the state."""
    outcome = await usecases.user_input(context.turn, Unsupported("edited"))
    await send(context.bot, outcome.outgoing)


async def on_button(update: Update, context: TurnContext) -> None:
    """Form navigation, choices and stale buttons."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.user_input(context.turn, callback_event(query))
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers() -> list[BaseHandler[Update, TurnContext, Any]]:
    """Catch-all handlers of this feature (registered last)."""
    return [
        MessageHandler(filters.UpdateType.MESSAGE, on_message),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited),
        CallbackQueryHandler(on_button),
    ]
