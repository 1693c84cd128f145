"""Certificate queries (/cert, K3) and certificate QR verification (`/start ct_…`), shared by every transport.

The lookup happens before the pure flow step runs: the stored conversation is read to learn which pair the step will
complete (`flows.cert_query.pair_for`), the rate limit is checked, the query is looked up, recorded and audited and
committed (a retried step does not record it twice), then the step renders the answer from those facts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bot.services import cert_query as service
from bot.services.turn import FlowStep, Outcome, Turn, with_facts
from flows import cert_query as flow
from flows import commands
from flows.events import ButtonPress, Command, Event, TextInput
from flows.state import ConversationState
from storage.repositories import conversations

COMMAND = "cert"
PREFIX = flow.PREFIX  # callback-data namespace of the query's buttons ("cq")


async def _stored_state(turn: Turn) -> ConversationState:
    """The user's conversation as stored now (read-only; the turn reloads it under its optimistic lock)."""
    user = await turn.user()
    data_enc, version = await conversations.load(turn.session, user.id)
    raw = json.loads(turn.app.cipher.decrypt(data_enc) or "{}") if data_enc else {}
    return ConversationState.from_json(raw, version)


async def _looked_up(turn: Turn, event: Event, step: FlowStep, state: ConversationState | None = None) -> Outcome:
    """Run `step` with the query facts: the retry time of a limited user and the answer to the pair it completes."""
    user = await turn.user()
    pair = flow.pair_for(state or await _stored_state(turn), event)
    now = turn.now or datetime.now(timezone.utc)
    facts = await service.lookup(turn.app, turn.session, user.id, pair, now)
    await turn.session.commit()
    return await turn.run(with_facts(flow.FACTS, facts, step), event)


async def query(turn: Turn, command: Command) -> Outcome:
    """/cert [A B]: start the conversational query, or answer a one-shot query with two values."""
    return await _looked_up(turn, command, lambda st, ev, ctx: flow.command(st, command, ctx))


async def button(turn: Turn, data: str) -> Outcome:
    """A `cq:` button: search the pair entered, or start another query."""
    return await _looked_up(turn, ButtonPress(data), lambda st, ev, ctx: flow.on_button(st, data, ctx))


async def take_input(turn: Turn, event: Event) -> Outcome | None:
    """Typed input while a query is active, answered at once when it completes a pair; None when no query is active.

    For the transports' generic input path (`usecases.user_input`): without it, a pair completed by typing is
    answered through the flow's "search" button instead.
    """
    if not isinstance(event, TextInput):
        return None
    state = await _stored_state(turn)
    if state.active != flow.NAME:
        return None
    return await _looked_up(turn, event, commands.on_input, state)


async def verify(turn: Turn, token: str, event: Event) -> Outcome:
    """A scanned certificate QR: validity and masked data without the two values."""
    user = await turn.user()
    facts = await service.verification(turn.app, turn.session, token, user.id)
    await turn.session.commit()
    return await turn.run(lambda st, ev, ctx: flow.verified(st, ctx, facts), event)
