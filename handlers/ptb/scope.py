"""Around PTB's dispatch: dedup, one DB session per update, role lookup, failure classification."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import App
from bot.logs import failure_site
from bot.services.intake import update_scope
from bot.services.turn import Actor
from handlers.base import TemporaryFailure
from handlers.errors import is_transient
from handlers.ptb.app import PtbApplication
from handlers.ptb.errors import apologize

log = logging.getLogger(__name__)


def actor_of(update: Update) -> Actor | None:
    """The human user and private chat an update comes from (None for bots, groups and user-less updates)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    chat = update.effective_chat
    if chat is not None and chat.type != "private":  # forms are one-to-one; the bot stays silent in groups
        return None
    return Actor(user.id, chat.id if chat else user.id, user.first_name, user.username)


async def process(application: PtbApplication, app: App, update: Update) -> None:
    """Run PTB's handlers inside the update's unit of work; store outages raise TemporaryFailure, the rest apologizes."""
    actor = actor_of(update)
    try:
        async with update_scope(app, update.update_id, actor) as turn:
            if turn is None:
                return
            role = (await turn.user()).role
            with application.bot_data.open(update.update_id, turn, role) as scope:
                await application.process_update(update)
            if scope.error is not None:
                raise scope.error  # inside the unit of work: rolled back and the update_id claim released
    except Exception as exc:
        if is_transient(exc):
            log.warning("update %s: store unavailable (%s); asking for redelivery", update.update_id, type(exc).__name__)
            raise TemporaryFailure(str(update.update_id)) from exc
        log.error("update %s failed: %s at %s", update.update_id, type(exc).__name__, failure_site(exc))
        if actor is not None:
            await apologize(application.bot, app, actor.chat_id)
