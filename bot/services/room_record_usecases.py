"""Use cases of the room record, shared by every transport: proctors confirm the papers count (`/papers`, the
one-tap button), staff get the record files (`/room_record`, its buttons). Callers check the role."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import room_record_files, room_records
from bot.services.turn import Outcome, Turn
from flows import room_record as flow
from flows.events import ButtonPress, Command, Event

PAPERS_COMMANDS = (flow.PAPERS_COMMAND,)
RECORD_COMMANDS = (flow.RECORD_COMMAND,)
PAPERS_PREFIX = flow.PAPERS_PREFIX  # proctors' buttons ("rp")
RECORD_PREFIX = flow.RECORD_PREFIX  # staff buttons ("rr")
PROCTOR_ROLES = ("proctor",)  # who may confirm a papers count (and only for their own room)


def _now(turn: Turn) -> datetime:
    return turn.now or datetime.now(timezone.utc)


async def papers(turn: Turn, command: Command) -> Outcome:
    """/papers ROOM COUNT [notes]: the room's papers count, confirmed by one of its proctors."""
    entry = flow.parse_papers(command.args)
    if entry is None:
        return await turn.run(lambda st, ev, ctx: flow.papers_usage(st, ctx), command)
    return await _confirm(turn, entry, command)


async def papers_button(turn: Turn, data: str) -> Outcome:
    """The one-tap `rp:ok:<room>:<count>` button of the end-of-sitting message."""
    event = ButtonPress(data)
    entry = flow.parse_papers_button(data)
    if entry is None:
        return await turn.run(lambda st, ev, ctx: flow.refuse(st, ctx, "hint.stale_button"), event)
    return await _confirm(turn, entry, event)


async def _confirm(turn: Turn, entry: flow.PapersInput, event: Event) -> Outcome:
    """Store the count (audited, staff notified through the outbox), commit, answer the proctor."""
    user = await turn.user()
    result = await room_records.confirm_papers(turn.app, turn.session, user.id, entry, _now(turn))
    if isinstance(result, room_records.Refused):
        await turn.session.rollback()
        refused = result
        return await turn.run(lambda st, ev, ctx: flow.refuse(st, ctx, refused.key, **refused.params), event)
    await turn.session.commit()
    confirmed = result
    return await turn.run(lambda st, ev, ctx: flow.papers_confirmed(st, ctx, confirmed.facts, confirmed.changed), event)


async def record(turn: Turn, command: Command) -> Outcome:
    """/room_record [SITTING [ROOM]]: recent sittings, or the record files of a sitting's rooms (or of one room)."""
    target = flow.parse_target(command.args)
    if target is None:
        return await turn.run(lambda st, ev, ctx: flow.record_usage(st, ctx), command)
    if target.session_id is None:
        return await _listing(turn, command)
    room_ids = await room_records.rooms_for(turn.session, target)
    if room_ids is None:
        return await turn.run(lambda st, ev, ctx: flow.files(st, ctx, None), command)
    return await _send_files(turn, room_ids, command)


async def record_button(turn: Turn, data: str) -> Outcome:
    """An `rr:` button: the list, a sitting's rooms, one room's files, every room's files."""
    event = ButtonPress(data)
    action = flow.parse_record_button(data)
    if action is None:
        return await turn.run(lambda st, ev, ctx: flow.refuse(st, ctx, "hint.stale_button"), event)
    if action.kind == flow.LIST:
        return await _listing(turn, event)
    if action.kind == flow.SITTING:
        facts = await room_records.sitting_facts(turn.app, turn.session, action.id)
        return await turn.run(lambda st, ev, ctx: flow.sitting_card(st, ctx, facts), event)
    if action.kind == flow.ROOM:
        return await _send_files(turn, [action.id], event)
    room_ids = await room_records.sitting_rooms(turn.session, action.id)
    return await _send_files(turn, room_ids or [], event)


async def _listing(turn: Turn, event: Event) -> Outcome:
    rows = await room_records.sittings(turn.app, turn.session, _now(turn))
    return await turn.run(lambda st, ev, ctx: flow.listing(st, ctx, rows), event)


async def _send_files(turn: Turn, room_ids: list[int], event: Event) -> Outcome:
    """Re-assemble the rooms' records (audited export), commit, render PDF and xlsx off the loop, send them here."""
    user = await turn.user()
    locale = turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)
    summaries = await room_records.assemble_for_export(turn.app, turn.session, room_ids, user.id, _now(turn))
    await turn.session.commit()
    rendered = await room_record_files.files(turn.app, summaries, locale)
    return await turn.run(lambda st, ev, ctx: flow.files(st, ctx, rendered), event)
