"""Incident reports and decisions (V1–V5), shared by every transport: /incident, /incidents, `in:` buttons, the typed
or scanned candidate of an open report, and the input of the incident forms."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bot.services import incident_facts, incidents
from bot.services.turn import FlowStep, Outcome, Turn, with_facts
from flows import commands
from flows import incident as flow
from flows import incident_card as card_flow
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, Event, TextInput
from flows.menu import is_staff
from flows.replies import Text
from flows.state import ConversationState
from storage.repositories import conversations

REPORT, LIST = "incident", "incidents"
COMMANDS = (REPORT, LIST)
PREFIX = card_flow.PREFIX  # callback-data namespace of incident buttons ("in")
APPEAL_PREFIX = f"{PREFIX}:{card_flow.APPEAL}:"  # the one incident button a candidate presses


def _now(turn: Turn) -> datetime:
    return turn.now or datetime.now(timezone.utc)


async def _stored_state(turn: Turn) -> ConversationState:
    """The actor's conversation as stored now (read only; the turn reloads it under its optimistic lock)."""
    data_enc, version = await conversations.load(turn.session, (await turn.user()).id)
    raw = json.loads(turn.app.cipher.decrypt(data_enc) or "{}") if data_enc else {}
    return ConversationState.from_json(raw, version)


async def _guarded(turn: Turn, step: FlowStep, event: Event) -> Outcome:
    """Run a step whose effects may be refused (a decision someone else took first); the draft then stays as it was."""
    try:
        return await turn.run(step, event)
    except incidents.Refused as refused:
        await turn.session.rollback()
        text = refused.text
        return await turn.run(lambda st, ev, ctx: card_flow.refuse(st, ctx, text), event)


async def route(turn: Turn, command: Command) -> Outcome:
    """/incident starts (or resumes) a report; /incidents lists the open cases (staff)."""
    if command.name == LIST:
        return await listing(turn, command)
    return await turn.run(lambda st, ev, ctx: flow.start_report(st, ctx), command, forms=(flow.NAME,))


async def listing(turn: Turn, event: Event) -> Outcome:
    """/incidents: cases awaiting a signature, the room head or an appeal decision, with the viewer's buttons."""
    user = await turn.user()
    cards = await incident_facts.open_cards(turn.app, turn.session, user, card_flow.LIST_LIMIT + 1) if is_staff(user.role) else []
    return await turn.run(lambda st, ev, ctx: card_flow.listing(st, ctx, cards), event)


async def _decide(turn: Turn, action: card_flow.Action, event: Event) -> Outcome:
    """Sign or approve at once (role and version checked again), commit, then show the case as it is now."""
    app, session, user, now = turn.app, turn.session, await turn.user(), _now(turn)
    try:
        if action.kind == card_flow.SIGN:
            done = await incidents.sign(app, session, user, action.incident_id, action.version, now)
        else:
            done = await incidents.approve(app, session, user, action.incident_id, action.version, now)
    except incidents.Refused as refused:
        await session.rollback()
        text = refused.text
        return await turn.run(lambda st, ev, ctx: card_flow.refuse(st, ctx, text), event)
    await session.commit()
    shown = await incident_facts.card_by_id(app, session, action.incident_id, user)
    return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, shown, done.notice), event)


async def button(turn: Turn, data: str) -> Outcome:
    """An `in:` button: show a case, its photos, sign, approve, open a note (reject, uphold, overturn) or an appeal."""
    event = ButtonPress(data)
    action = card_flow.parse(data)
    if action is None:
        return await turn.run(lambda st, ev, ctx: FlowResult(st, [Text("hint.stale_button")]), event)
    app, session, user = turn.app, turn.session, await turn.user()
    if action.kind in (card_flow.SIGN, card_flow.APPROVE):
        return await _decide(turn, action, event)
    if action.kind in card_flow.NOTE_ACTIONS:
        facts = await incident_facts.case_facts(app, session, flow.NOTE_NAME, action.incident_id, user)
        kind, version = action.kind, int(action.version or 0)
        step = with_facts(flow.NOTE_NAME, facts, lambda st, ev, ctx: flow.open_note(st, ctx, kind, version))
        return await turn.run(step, event)
    if action.kind == card_flow.APPEAL:
        facts = await incident_facts.case_facts(app, session, flow.APPEAL_NAME, action.incident_id, user)
        return await turn.run(with_facts(flow.APPEAL_NAME, facts, lambda st, ev, ctx: flow.open_appeal(st, ctx)), event)
    shown = await incident_facts.card_by_id(app, session, action.incident_id, user)
    if action.kind == card_flow.PICS:
        return await turn.run(lambda st, ev, ctx: card_flow.photos(st, ctx, shown), event)
    return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, shown), event)


async def take_input(turn: Turn, event: Event) -> Outcome | None:
    """Input while an incident form is active (a typed ticket number is looked up first); None otherwise.

    For the transports' generic input path (`usecases.user_input`): photos of the evidence are kept by file id and
    not downloaded; a submission refused by the service leaves the draft where it was.
    """
    state = await _stored_state(turn)
    if state.active not in flow.FORM_NAMES:
        return None
    step: FlowStep = commands.on_input
    if flow.waits_for_candidate(state) and isinstance(event, TextInput):
        found = await incident_facts.lookup_number(turn.app, turn.session, await turn.user(), event.text, _now(turn))
        step = with_facts(flow.LOOKUP, found, flow.answer_candidate)
    return await _guarded(turn, step, event)


async def take_scan(turn: Turn, token: str, event: Event) -> Outcome | None:
    """A scanned ticket QR (`/start tk_…`) while the user's report waits for the candidate; None otherwise (a scan)."""
    state = await _stored_state(turn)
    if not flow.waits_for_candidate(state):
        return None
    found = await incident_facts.lookup_token(turn.app, turn.session, await turn.user(), token, _now(turn))
    number = str(found.get("query") or "")
    return await turn.run(with_facts(flow.LOOKUP, found, lambda st, ev, ctx: flow.take_candidate(st, ctx, number)), event)

