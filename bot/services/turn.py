"""One update's unit of work: load state, run a pure flow step, apply effects, save, commit."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.outgoing import Outgoing, localize, reply_map
from bot.pii import mask_phone
from bot.services import effects as effect_runner
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Event, TextInput
from flows.replies import Reply
from flows.state import ConversationState
from storage.models import UserAccount
from storage.repositories import conversations, users

log = logging.getLogger(__name__)

FlowStep = Callable[[ConversationState, Event, FlowContext], FlowResult]
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Actor:
    """The Telegram user and chat an update comes from."""

    user_id: int
    chat_id: int
    first_name: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What to send back after a committed turn."""

    locale: str
    replies: list[Reply]
    outgoing: list[Outgoing]


class Turn:
    """Runs flow steps for one user inside one DB session, retrying on a concurrent state change."""

    def __init__(self, app: App, session: AsyncSession, actor: Actor, now: datetime | None = None) -> None:
        self.app = app
        self.session = session
        self.actor = actor
        self.now = now

    async def user(self) -> UserAccount:
        """The actor's account (created on first contact)."""
        return await users.touch(self.session, self.actor.user_id, self.actor.first_name, self.actor.username)

    def facts(self, user: UserAccount) -> dict[str, Any]:
        """What flows may know about the user's stored profile (decrypted only in memory)."""
        phone = self.app.cipher.decrypt(user.phone_enc) if user.phone_enc else None
        prefill = {"profile": {k: v for k, v in {"name": user.full_name, "mobile": phone}.items() if v}}
        return {"name": user.full_name, "mobile_masked": mask_phone(phone) if phone else None, "prefill": prefill}

    def _load_state(self, data_enc: str, version: int) -> ConversationState:
        if not data_enc:
            return ConversationState(version=version)
        raw = json.loads(self.app.cipher.decrypt(data_enc) or "{}")
        return ConversationState.from_json(raw, version)

    def _map_reply_button(self, state: ConversationState, event: Event, locale: str) -> Event:
        if isinstance(event, TextInput) and state.reply_map:
            typed = event.text.strip()
            for key, data in state.reply_map.items():
                if self.app.i18n.render(locale, key) == typed:
                    return ButtonPress(data)
        return event

    async def run(self, step: FlowStep, event: Event) -> Outcome:
        """Run `step` on the stored state and commit; replies are returned only after the commit."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._attempt(step, event)
            except (conversations.StaleState, IntegrityError):
                await self.session.rollback()
                log.info("state changed concurrently (attempt %d), retrying", attempt)
        raise RuntimeError("conversation state kept changing concurrently")

    async def _attempt(self, step: FlowStep, event: Event) -> Outcome:
        user = await self.user()
        locale = self.app.i18n.resolve(user.locale or self.app.settings.default_locale)
        data_enc, version = await conversations.load(self.session, user.id)
        state = self._load_state(data_enc, version)
        ctx = FlowContext(
            user_id=user.id,
            chat_id=self.actor.chat_id,
            role=user.role,
            locale=locale,
            now=self.now or datetime.now(timezone.utc),
            facts=self.facts(user),
        )
        result = step(state, self._map_reply_button(state, event, locale), ctx)
        await effect_runner.apply(self.session, self.app.cipher, user, result.effects)
        new_state = replace(result.state, reply_map=reply_map(result.replies, result.state.reply_map))
        document = new_state.to_json()
        if document != state.to_json() or version == 0:
            encoded = json.dumps(document, ensure_ascii=False, sort_keys=True)
            await conversations.save(self.session, user.id, self.app.cipher.encrypt(encoded) or "", version)
        await self.session.commit()
        locale = self.app.i18n.resolve(user.locale or self.app.settings.default_locale)
        return Outcome(locale, result.replies, localize(self.app.i18n, locale, self.actor.chat_id, result.replies))
