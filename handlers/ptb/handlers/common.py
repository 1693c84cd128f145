"""Commands every role has: /start (with deep links), /help, /lang, /cancel, /whoami, /profile, /apply, /my."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import usecases
from flows.commands import LANG_PREFIX
from flows.my import PREFIX as APPLICATION_PREFIX
from handlers.ptb.context import TurnContext
from handlers.ptb.convert import command_event
from handlers.ptb.sender import send


async def on_start(update: Update, context: TurnContext) -> None:
    """Welcome, or redeem a deep-link payload first."""
    outcome = await usecases.start(context.turn, command_event(update.message).args)
    await send(context.bot, outcome.outgoing)


async def on_simple_command(update: Update, context: TurnContext) -> None:
    """/help, /lang, /cancel, /whoami, /profile."""
    event = command_event(update.message)
    outcome = await usecases.simple(context.turn, event.name, event)
    await send(context.bot, outcome.outgoing)


async def on_lang_button(update: Update, context: TurnContext) -> None:
    """A language button."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.choose_lang(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


async def on_my(update: Update, context: TurnContext) -> None:
    """/my → the user's applications."""
    outcome = await usecases.my_applications(context.turn)
    await send(context.bot, outcome.outgoing)


async def on_application_button(update: Update, context: TurnContext) -> None:
    """A "fix and resubmit" button."""
    query = update.callback_query
    assert query is not None
    outcome = await usecases.application_button(context.turn, query.data or "")
    await send(context.bot, outcome.outgoing, query.id)


def create_handlers() -> list[BaseHandler[Update, TurnContext, Any]]:
    """Handlers of this feature, most specific first."""
    return [
        CommandHandler("start", on_start, filters=filters.UpdateType.MESSAGE),
        CommandHandler(usecases.SIMPLE_COMMANDS, on_simple_command, filters=filters.UpdateType.MESSAGE),
        CommandHandler("my", on_my, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(on_lang_button, pattern=f"^{re.escape(LANG_PREFIX)}"),
        CallbackQueryHandler(on_application_button, pattern=f"^{re.escape(APPLICATION_PREFIX)}:"),
    ]
