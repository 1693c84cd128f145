"""The batch form (/batch): announcement, level, name, sessions with times and sites, rooms with kind and capacity.

Examiners (chief and deputy proctor per room, assessors, supervisor; A4, C10) are assigned afterwards on the
batch card, by choosing among users who have those roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows import batch_inputs as inputs
from flows.context import FlowContext
from flows.engine import Choice, Form, InputKind, Invalid, Step
from flows.events import ButtonPress, Event
from flows.menu import is_staff
from flows.replies import Label, Reply, Text

NAME = "batch"


@dataclass(frozen=True)
class CreateBatch:
    """Effect: store a batch with its sessions (local times) and rooms, audited."""

    announcement_id: int
    level: int
    name: str
    sessions: tuple[dict[str, Any], ...]
    rooms: tuple[dict[str, Any], ...]


def _facts(ctx: FlowContext) -> dict[str, Any]:
    return ctx.facts.get("batch") or {}


def _announcements(ctx: FlowContext) -> list[dict[str, Any]]:
    return list(_facts(ctx).get("announcements") or [])


def _chosen(ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any] | None:
    return next((a for a in _announcements(ctx) if a["id"] == values.get("announcement")), None)


def announcement_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """Announcements a batch can be planned for, newest first."""
    return [Choice(str(a["id"]), Label("batch.announcement_choice", {"id": a["id"], "title": a["title"]})) for a in _announcements(ctx)]


def parse_announcement(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int:
    """The chosen announcement's id."""
    assert isinstance(event, ButtonPress)
    found = next((a for a in _announcements(ctx) if str(a["id"]) == event.data), None)
    if found is None:
        raise Invalid("batch.problem.announcement_gone")
    return int(found["id"])


def level_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """The levels the chosen announcement offers."""
    chosen = _chosen(ctx, values) or {}
    return [Choice(str(n), Label(f"level.{n}")) for n in chosen.get("levels", ())]


def parse_level(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int:
    """A level of the chosen announcement."""
    assert isinstance(event, ButtonPress)
    chosen = _chosen(ctx, values) or {}
    if not (event.data.isdigit() and int(event.data) in chosen.get("levels", ())):
        raise Invalid("batch.problem.level_gone")
    return int(event.data)


def _show_announcement(value: Any) -> Label:
    return Label("batch.show.announcement", {"id": value})


def _show_sessions(value: Any) -> Label:
    items = [
        {"subject": Label(f"subject.{s['subject']}"), "date": s["start"][:10], "start": s["start"][11:], "end": s["end"][11:], "site": s["site"]}
        for s in value or ()
    ]
    return Label("batch.show.sessions", {"items": items})


def _show_rooms(value: Any) -> Label:
    items = [
        {"subject": Label(f"subject.{r['subject']}"), "name": r["name"], "kind": Label(f"room_kind.{r['kind']}"), "capacity": r["capacity"]}
        for r in value or ()
    ]
    return Label("batch.show.rooms", {"items": items})


BATCH_STEPS: tuple[Step, ...] = (
    Step(
        "announcement", "batch.ask_announcement", InputKind.CHOICE, parse=parse_announcement, choices=announcement_choices,
        label="batch.field_announcement", show=_show_announcement,
    ),
    Step("level", "batch.ask_level", InputKind.CHOICE, parse=parse_level, choices=level_choices, label="batch.field_level",
         show=lambda v: Label(f"level.{v}")),
    Step("name", "batch.ask_name", parse=inputs.name, label="batch.field_name"),
    Step("sessions", "batch.ask_sessions", parse=inputs.sessions, label="batch.field_sessions", show=_show_sessions),
    Step("rooms", "batch.ask_rooms", parse=inputs.rooms, label="batch.field_rooms", show=_show_rooms),
)


def check(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the batch cannot be stored now (role, announcement gone, level or subjects changed, a time passed)."""
    if not is_staff(ctx.role):
        return [Text("batch.problem.not_allowed")]
    chosen = _chosen(ctx, values)
    if chosen is None:
        return [Text("batch.problem.announcement_gone")]
    if values.get("level") not in chosen.get("levels", ()):
        return [Text("batch.problem.level_gone")]
    problems: list[Text] = []
    subjects = {s["subject"] for s in values.get("sessions") or ()}
    if subjects != set(inputs.level_subjects(ctx, values)):
        problems.append(Text("batch.problem.subjects_changed"))
    today = inputs.today(ctx).isoformat()
    if any(s["start"][:10] <= today for s in values.get("sessions") or ()):
        problems.append(Text("batch.problem.date_past", {"line": "—"}))
    if {r["subject"] for r in values.get("rooms") or ()} != subjects:
        problems.append(Text("batch.problem.rooms_changed"))
    return problems


def complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Store the batch; the card (/batches) then assigns examiners, seats and tickets."""
    effect = CreateBatch(
        announcement_id=int(values["announcement"]),
        level=int(values["level"]),
        name=str(values["name"]),
        sessions=tuple(values["sessions"]),
        rooms=tuple(values["rooms"]),
    )
    first = min(datetime.fromisoformat(s["start"]) for s in effect.sessions)
    reply = Text("batch.created", {"name": effect.name, "level": Label(f"level.{effect.level}"), "date": first.date().isoformat()})
    return [reply], [effect]


BATCH_FORM = Form(name=NAME, title="batch.title", summary="form.summary", steps=BATCH_STEPS, complete=complete, check=check)


def unavailable(ctx: FlowContext) -> Text | None:
    """Why /batch cannot start now (not staff, or no announcement to plan for), or None."""
    if not is_staff(ctx.role):
        return Text("batch.problem.not_allowed")
    return None if _announcements(ctx) else Text("batch.no_announcements")
