"""Use cases of /broadcast, shared by every transport (callers check the staff role)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import broadcasts
from bot.services.turn import Outcome, Turn
from flows import broadcast as flow
from flows.events import ButtonPress, Command, Event

COMMANDS = (flow.COMMAND,)
PREFIX = flow.PREFIX


def _now(turn: Turn) -> datetime:
    return turn.now or datetime.now(timezone.utc)


async def route(turn: Turn, command: Command) -> Outcome:
    """/broadcast: progress (no arguments), or a checked draft with its recipient count and a confirm button."""
    parsed = flow.parse(command.args)
    if parsed is None:
        return await _progress(turn, command)
    if isinstance(parsed, flow.Problem):
        found = parsed
        return await turn.run(lambda st, ev, ctx: flow.problem(st, ctx, found), command)
    words = broadcasts.forbidden_words(parsed.text)
    if words:
        return await turn.run(lambda st, ev, ctx: flow.refused_words(st, ctx, words), command)
    chats = await broadcasts.recipients(turn.session, parsed.audience)
    if chats is None:
        batch_id = parsed.audience.value
        return await turn.run(lambda st, ev, ctx: flow.batch_not_found(st, ctx, batch_id), command)
    names = await broadcasts.batch_names(turn.session, [parsed.audience.key()])
    audience = flow.audience_label(parsed.audience.key(), names.get(parsed.audience.key()))
    if not chats:
        return await turn.run(lambda st, ev, ctx: flow.no_recipients(st, ctx, audience), command)
    user = await turn.user()
    row = await broadcasts.draft(turn.session, user.id, parsed.audience, parsed.text, len(chats))
    await turn.session.commit()
    assert row.id is not None
    broadcast_id, count, text = row.id, len(chats), parsed.text
    return await turn.run(lambda st, ev, ctx: flow.preview(st, ctx, broadcast_id, audience, count, text), command)


async def button(turn: Turn, data: str) -> Outcome:
    """A `bc:` button: send (idempotent), drop the draft, or show progress."""
    event = ButtonPress(data)
    parsed = flow.parse_button(data)
    if parsed is None:
        return await turn.run(lambda st, ev, ctx: flow.not_found(st, ctx), event)
    action, broadcast_id = parsed
    if action == flow.LIST or broadcast_id is None:
        return await _progress(turn, event)
    user = await turn.user()
    if action == flow.DROP:
        gone = await broadcasts.drop(turn.session, user.id, broadcast_id)
        dropped_id = broadcast_id if gone else None
        return await turn.run(lambda st, ev, ctx: flow.dropped(st, ctx, dropped_id), event)
    result = await broadcasts.confirm(turn.app, turn.session, user.id, broadcast_id, _now(turn))
    if result is None:
        return await turn.run(lambda st, ev, ctx: flow.not_found(st, ctx), event)
    if result.already:
        return await turn.run(lambda st, ev, ctx: flow.already(st, ctx, broadcast_id), event)
    count = result.queued
    return await turn.run(lambda st, ev, ctx: flow.queued(st, ctx, broadcast_id, count), event)


async def _progress(turn: Turn, event: Event) -> Outcome:
    rows = await broadcasts.recent(turn.session)
    names = await broadcasts.batch_names(turn.session, [r.audience for r in rows])
    return await turn.run(lambda st, ev, ctx: flow.progress(st, ctx, rows, names), event)
