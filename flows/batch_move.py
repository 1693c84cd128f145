"""Changing a session after planning (/batches → change): a new time, a room moved to another place, or one more room.

Affected candidates and examiners are notified and reminders rescheduled by the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.normalize import nfkc
from flows import batch_inputs as inputs
from flows import engine
from flows.context import FlowContext
from flows.engine import META, Choice, FlowResult, Form, InputKind, Invalid, Step
from flows.events import ButtonPress, Event, TextInput
from flows.menu import is_staff
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

NAME = "batch_move"
SESSION_KEY = META + "session"
TIME, ROOM, ADD = "time", "room", "add"


@dataclass(frozen=True)
class MoveSession:
    """Effect: a session's new local start and end."""

    session_id: int
    start: str
    end: str


@dataclass(frozen=True)
class AddRoom:
    """Effect: one more room for the session (e.g. when candidates could not be seated)."""

    session_id: int
    name: str
    kind: str
    capacity: int


@dataclass(frozen=True)
class MoveRoom:
    """Effect: a room's new name/place."""

    room_id: int
    name: str


def _session(ctx: FlowContext) -> dict[str, Any]:
    return (ctx.facts.get(NAME) or {}).get("session") or {}


def parse_when(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
    """`<date> <HH:MM>-<HH:MM>` in the future and different from the current time."""
    assert isinstance(event, TextInput)
    text = re.sub(r"\s+", " ", nfkc(event.text)).strip()
    parsed = inputs.session_line(f"theory {text} -", 1, inputs.today(ctx)) if text.count(" ") == 1 else None
    if parsed is None:
        raise Invalid("batch.problem.when_format")
    current = _session(ctx)
    if parsed["start"] == current.get("start_iso") and parsed["end"] == current.get("end_iso"):
        raise Invalid("batch.problem.same_time")
    return {"start": parsed["start"], "end": parsed["end"]}


def room_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """The session's rooms."""
    return [Choice(str(r["id"]), Label("batch.room_choice", {"name": r["name"]})) for r in _session(ctx).get("rooms", ())]


def parse_room(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int:
    """A room of the session."""
    assert isinstance(event, ButtonPress)
    if not any(str(r["id"]) == event.data for r in _session(ctx).get("rooms", ())):
        raise Invalid("batch.problem.room_gone")
    return int(event.data)


def parse_room_name(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """The room's new name or place, unique within the session."""
    assert isinstance(event, TextInput)
    name = re.sub(r"\s+", " ", nfkc(event.text)).strip()
    if not name or len(name) > inputs.MAX_ROOM:
        raise Invalid("batch.problem.room_name", line=1, limit=inputs.MAX_ROOM)
    if any(r["name"] == name for r in _session(ctx).get("rooms", ())):
        raise Invalid("batch.problem.room_twice", line=1)
    return name


def parse_new_room(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """`<room> <kind> <capacity>` for the session's subject, with a name not used in the session yet."""
    assert isinstance(event, TextInput)
    subject = _session(ctx).get("subject", "theory")
    text = re.sub(r"\s+", " ", nfkc(event.text)).strip()
    room = inputs.room_line(f"{subject} {text}", 1, {subject})
    if any(r["name"] == room["name"] for r in _session(ctx).get("rooms", ())):
        raise Invalid("batch.problem.room_twice", line=1)
    return room


def _show_room(value: Any) -> Label:
    return Label("batch.show.new_room", {"name": value["name"], "kind": Label(f"room_kind.{value['kind']}"), "capacity": value["capacity"]})


def _show_when(value: Any) -> Label:
    return Label("batch.show.when", {"date": value["start"][:10], "start": value["start"][11:], "end": value["end"][11:]})


MOVE_STEPS = (
    Step("change", "batch.ask_change", InputKind.CHOICE, label="batch.field_change",
         choices=lambda ctx, v: [Choice(c, Label(f"batch.change_{c}")) for c in (TIME, ROOM, ADD)],
         show=lambda v: Label(f"batch.change_{v}")),
    Step("when", "batch.ask_when", parse=parse_when, label="batch.field_when", show=_show_when, when=lambda v: v.get("change") == TIME),
    Step("room", "batch.ask_room", InputKind.CHOICE, parse=parse_room, choices=room_choices, label="batch.field_room",
         when=lambda v: v.get("change") == ROOM),
    Step("room_name", "batch.ask_room_name", parse=parse_room_name, label="batch.field_room_name", when=lambda v: v.get("change") == ROOM),
    Step("new_room", "batch.ask_new_room", parse=parse_new_room, label="batch.field_new_room", show=_show_room,
         when=lambda v: v.get("change") == ADD),
)


def check(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the change cannot be made now."""
    if not is_staff(ctx.role):
        return [Text("batch.problem.not_allowed")]
    if not _session(ctx):
        return [Text("batch.not_found")]
    if values.get("change") == TIME and values.get("when", {}).get("start", "")[:10] <= inputs.today(ctx).isoformat():
        return [Text("batch.problem.date_past", {"line": "—"})]
    return []


def complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Apply the change; the service notifies the people concerned."""
    current = _session(ctx)
    if values.get("change") == TIME:
        when = values["when"]
        effect: Any = MoveSession(int(current["id"]), when["start"], when["end"])
        date = datetime.fromisoformat(when["start"]).date().isoformat()
        return [Text("batch.moved_time", {"date": date, "start": when["start"][11:], "end": when["end"][11:]})], [effect]
    if values.get("change") == ADD:
        room = values["new_room"]
        added = AddRoom(int(current["id"]), room["name"], room["kind"], int(room["capacity"]))
        return [Text("batch.room_added", {"name": added.name, "capacity": added.capacity})], [added]
    effect = MoveRoom(int(values["room"]), str(values["room_name"]))
    return [Text("batch.moved_room", {"name": effect.name})], [effect]


MOVE_FORM = Form(name=NAME, title="batch.move_title", summary="form.summary", steps=MOVE_STEPS, complete=complete, check=check)


def start(state: ConversationState, ctx: FlowContext, session_id: int) -> FlowResult:
    """Open the change form for a session (a draft for another session is replaced)."""
    draft = state.forms.get(NAME)
    if draft is not None and draft.values.get(SESSION_KEY) != session_id:
        state = state.without_form(NAME)
    elif draft is not None:
        return engine.start(MOVE_FORM, state, ctx, None)
    return engine.start(MOVE_FORM, state, ctx, {SESSION_KEY: session_id})
