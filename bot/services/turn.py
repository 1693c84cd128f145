"""One update's unit of work: load state, run a pure flow step, apply effects, save, commit."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.outgoing import Outgoing, localize, reply_map
from bot.services import effects as effect_runner
from bot.services import facts
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, Event, TextInput
from flows.menu import CANDIDATE, commands_for, is_staff
from flows.replies import Reply
from flows.state import ConversationState
from storage.models import UserAccount
from storage.repositories import audit, conversations, updates, users

log = logging.getLogger(__name__)

FlowStep = Callable[[ConversationState, Event, FlowContext], FlowResult]
MAX_ATTEMPTS = 5
CANDIDATE_COMMANDS = frozenset(commands_for(CANDIDATE))  # everyone's commands; the rest of a staff member's are audited


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


def with_facts(key: str, value: object, step: FlowStep) -> FlowStep:
    """`step` seeing `value` under `ctx.facts[key]` (facts a use case loaded for it)."""

    def run(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
        return step(state, event, replace(ctx, facts={**ctx.facts, key: value}))

    return run


class Turn:
    """Runs flow steps for one user inside one DB session, retrying on a concurrent state change."""

    def __init__(self, app: App, session: AsyncSession, actor: Actor, now: datetime | None = None) -> None:
        self.app = app
        self.session = session
        self.actor = actor
        self.now = now
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once the turn's transaction has committed (e.g. scheduling jobs in the scheduler's store)."""
        self._after_commit.append(action)

    async def user(self) -> UserAccount:
        """The actor's account (created on first contact)."""
        return await users.touch(self.session, self.actor.user_id, self.actor.first_name, self.actor.username)

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

    async def run(self, step: FlowStep, event: Event, forms: tuple[str, ...] = ()) -> Outcome:
        """Run `step` on the stored state and commit; replies are returned only after the commit.

        `forms` names forms whose facts the step needs besides the active form's (e.g. the one a command opens).
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                outcome = await self._attempt(step, event, forms)
            except (conversations.StaleState, IntegrityError) as exc:
                self._after_commit.clear()
                await self.session.rollback()
                if await updates.lost_race(self.session, exc):
                    raise updates.DuplicateUpdate() from exc
                log.info("state changed concurrently (attempt %d), retrying", attempt)
                continue
            await self.flush_after_commit()
            return outcome
        raise RuntimeError("conversation state kept changing concurrently")

    async def flush_after_commit(self) -> None:
        """Run and forget the actions registered for after the commit."""
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            await action()

    async def _attempt(self, step: FlowStep, event: Event, forms: tuple[str, ...]) -> Outcome:
        user = await self.user()
        locale = self.app.i18n.resolve(user.locale or self.app.settings.default_locale)
        data_enc, version = await conversations.load(self.session, user.id)
        state = self._load_state(data_enc, version)
        now = self.now or datetime.now(timezone.utc)
        wanted = set(forms) | ({state.active} if state.active else set())
        ctx = FlowContext(
            user_id=user.id,
            chat_id=self.actor.chat_id,
            role=user.role,
            locale=locale,
            now=now,
            facts=await facts.load(self.app, self.session, user, state, wanted, now),
        )
        if isinstance(event, Command) and is_staff(user.role) and event.name not in CANDIDATE_COMMANDS:
            await audit.record(self.session, user.id, "command", "command", event.name)  # who ran what; never the arguments
        result = step(state, self._map_reply_button(state, event, locale), ctx)
        await effect_runner.apply(self.app, self.session, user, result.effects, ctx, self.after_commit)
        new_state = replace(result.state, reply_map=reply_map(result.replies, result.state.reply_map))
        document = new_state.to_json()
        if document != state.to_json() or version == 0:
            encoded = json.dumps(document, ensure_ascii=False, sort_keys=True)
            await conversations.save(self.session, user.id, self.app.cipher.encrypt(encoded) or "", version)
        locale = self.app.i18n.resolve(user.locale or self.app.settings.default_locale)
        outgoing = await self._localize(result.replies, locale)
        await self.session.commit()
        return Outcome(locale, result.replies, outgoing)

    async def _localize(self, replies: list[Reply], locale: str) -> list[Outgoing]:
        """Render replies in order, each in its recipient's language (notifications go to other users)."""
        out: list[Outgoing] = []
        locales: dict[int, str] = {self.actor.chat_id: locale}
        for reply in replies:
            target = getattr(reply, "chat_id", None) or self.actor.chat_id
            if target not in locales:
                other = await users.get(self.session, target)
                locales[target] = self.app.i18n.resolve(other.locale if other else None)
            out.extend(localize(self.app.i18n, locales[target], self.actor.chat_id, [reply]))
        return out
