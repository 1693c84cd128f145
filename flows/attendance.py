"""Replies of the exam-day attendance (DOMAIN C6 five-point check, C7 absentees) and its callback data.

Buttons carry the seat or room they act on (`fp:ok:<seat_id>`, `fp:bad:<seat_id>`, `fp:abs:<seat_id>`,
`fp:absall:<room_id>`, `fp:room:<room_id>`); the ids are not secret, every press is role-checked again by the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Answer, InlineButton, InlineKeyboard, Label, Photo, Reply, Text, button
from flows.state import ConversationState

PREFIX = "fp"
OK, BAD, ABSENT, ABSENT_ALL, ROOM = "ok", "bad", "abs", "absall", "room"
KINDS = (OK, BAD, ABSENT, ABSENT_ALL, ROOM)
MAX_ID = 10**15

CHECK, OVERVIEW = "check", "attendance"
COMMANDS = (CHECK, OVERVIEW)
ROLES = ("proctor", "supervisor", "staff", "admin")  # who the attendance router serves

# outcomes of a press
RECORDED, CHANGED, UNCHANGED = "recorded", "changed", "unchanged"
GONE, DENIED, CLOSED, TOO_EARLY, TAKEN = "gone", "denied", "closed", "too_early", "taken"

STATUS_LABELS = {  # keyed by the service's status values (bot.services.attendance CHECKED, MISMATCH, ABSENT)
    "checked": Label("attendance.status_checked"),
    "mismatch": Label("attendance.status_mismatch"),
    "absent": Label("attendance.status_absent"),
}
NOT_RECORDED = Label("attendance.status_none")
LIST_CHUNK = 40  # candidates per absentee message (text and keyboard stay well within Telegram's limits)
BUTTONS_PER_ROW = 2


@dataclass(frozen=True)
class Action:
    """A parsed attendance button: what to do and the seat or room id."""

    kind: str
    target: int


@dataclass
class Press:
    """What a press did: outcome, status before and after, what the answer shows, how many rows and notices."""

    outcome: str
    status: str | None = None
    previous: str | None = None
    view: dict[str, Any] = field(default_factory=dict)
    count: int = 0
    notified: int = 0


def data(kind: str, target: int | None) -> str:
    """Callback data of an attendance button (far below 64 bytes)."""
    return f"{PREFIX}:{kind}:{target}"


def parse(raw: str) -> Action | None:
    """The action a button names; None for anything malformed."""
    parts = raw.split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in KINDS:
        return None
    value = parts[2]
    if not (value.isascii() and value.isdigit() and 0 < int(value) < MAX_ID):
        return None
    return Action(parts[1], int(value))


def status_label(status: str | None) -> Label:
    """The localized name of a recorded status (or "not yet recorded")."""
    return STATUS_LABELS.get(status or "", NOT_RECORDED)


def _card_keyboard(seat_id: int) -> InlineKeyboard:
    return InlineKeyboard(((button("attendance.btn_ok", data(OK, seat_id)), button("attendance.btn_bad", data(BAD, seat_id))),))


def card(state: ConversationState, ctx: FlowContext, details: dict[str, Any], sitting: dict[str, Any]) -> FlowResult:
    """The five-point check card (C6): application photo, identity, this sitting's room and seat, ✅ / ⚠️ buttons."""
    params = {
        "number": details.get("number", ""), "name": details.get("name", ""), "id_type": details.get("id_type", ""),
        "id_number": details.get("id_number", ""), "batch": details.get("batch", ""), "level": details.get("level", ""),
        "subject": sitting["subject"], "date": sitting["date"], "time": sitting["time"], "site": sitting["site"],
        "room": sitting["room"], "seat": sitting["seat"], "status": status_label(sitting.get("status")),
    }
    keyboard = _card_keyboard(int(sitting["seat_id"]))
    if details.get("photo"):
        return FlowResult(state, [Photo(file_id=details["photo"], caption=Label("attendance.card", params), markup=keyboard)])
    return FlowResult(state, [Text("ticket.no_photo"), Text("attendance.card", params, keyboard)])


def refuse(state: ConversationState, ctx: FlowContext, key: str, **params: Any) -> FlowResult:
    """A one-line refusal or explanation (usage, bad or unknown number, not your room, nothing in progress)."""
    return FlowResult(state, [Text(key, params)])


_PRESS_TEXT = {
    ("checked", RECORDED): "attendance.done_checked",
    ("checked", CHANGED): "attendance.done_checked",
    ("mismatch", RECORDED): "attendance.done_mismatch",
    ("mismatch", CHANGED): "attendance.done_mismatch",
    ("absent", RECORDED): "attendance.done_absent",
    ("absent", CHANGED): "attendance.done_absent",
}


def pressed(state: ConversationState, ctx: FlowContext, press: Press) -> FlowResult:
    """The answer to a ✅ / ⚠️ / absent press: a toast and, when something was stored, a confirmation message."""
    view = press.view
    if press.outcome == GONE:
        return FlowResult(state, [Answer(Label("attendance.gone")), Text("attendance.gone")])
    if press.outcome == DENIED:
        return FlowResult(state, [Answer(Label("attendance.denied")), Text("attendance.denied")])
    if press.outcome == CLOSED:
        return FlowResult(state, [Answer(Label("attendance.closed_short")), Text("attendance.closed", view)])
    if press.outcome == TOO_EARLY:
        return FlowResult(state, [Answer(Label("attendance.too_early_short")), Text("attendance.too_early", view)])
    if press.outcome == TAKEN:
        params = {**view, "status": status_label(press.status)}
        return FlowResult(state, [Answer(Label("attendance.taken_short")), Text("attendance.taken", params)])
    if press.outcome == UNCHANGED:
        return FlowResult(state, [Answer(Label("attendance.unchanged", {"status": status_label(press.status)}))])
    params = {**view, "status": status_label(press.status), "changed": press.outcome == CHANGED,
              "previous": status_label(press.previous), "notified": press.notified}
    key = _PRESS_TEXT[(press.status or "", press.outcome)]
    return FlowResult(state, [Answer(Label("attendance.saved")), Text(key, params)])


def absent_all_done(state: ConversationState, ctx: FlowContext, press: Press) -> FlowResult:
    """The answer to "all listed absent": how many were recorded now (others had been recorded meanwhile)."""
    if press.outcome in (GONE, DENIED, CLOSED, TOO_EARLY):
        return pressed(state, ctx, press)
    params = {**press.view, "count": press.count}
    return FlowResult(state, [Answer(Label("attendance.saved")), Text("attendance.done_absent_all", params)])


def _lines(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**line, "status": status_label(line["status"])} for line in summary["lines"]]


def room_roster(state: ConversationState, ctx: FlowContext, summary: dict[str, Any]) -> FlowResult:
    """One room at a sitting: counts per status and every seated candidate with the status recorded."""
    return FlowResult(state, [Text("attendance.roster", {**summary, "lines": _lines(summary)})])


def overview(state: ConversationState, ctx: FlowContext, rooms: list[dict[str, Any]], full: bool) -> FlowResult:
    """/attendance: each room's roster (`full`, a proctor's own rooms) or its counts with a button to open it."""
    if not rooms:
        return FlowResult(state, [Text("attendance.nothing")])
    if full or len(rooms) == 1:
        return FlowResult(state, [Text("attendance.roster", {**r, "lines": _lines(r)}) for r in rooms])
    rows = tuple((button("attendance.btn_room", data(ROOM, r["room_id"]), room=r["room"], subject=r["subject"]),) for r in rooms)
    return FlowResult(state, [Text("attendance.summary", {"rooms": rooms}, InlineKeyboard(rows))])


def absentee_list(view: dict[str, Any], pending: list[dict[str, Any]], total: int) -> list[Reply]:
    """The T+30 message(s) of a room (C7): candidates not recorded yet, a button each and one for all of them."""
    if not pending:
        return [Text("attendance.absentees_none", {**view, "total": total})]
    replies: list[Reply] = []
    chunks = [pending[i:i + LIST_CHUNK] for i in range(0, len(pending), LIST_CHUNK)]
    for n, chunk in enumerate(chunks):
        buttons = [button("attendance.btn_absent", data(ABSENT, p["seat_id"]), seat=p["seat"], name=p["name"]) for p in chunk]
        rows: list[tuple[InlineButton, ...]] = [tuple(buttons[i:i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)]
        if n == len(chunks) - 1:
            rows.append((button("attendance.btn_absent_all", data(ABSENT_ALL, view["room_id"]), count=len(pending)),))
        params = {**view, "pending": chunk, "count": len(pending), "total": total, "part": n + 1, "parts": len(chunks)}
        replies.append(Text("attendance.absentees", params, InlineKeyboard(tuple(rows))))
    return replies


def mismatch_notice(params: dict[str, Any]) -> Text:
    """The immediate report of a suspected impersonation (C6), with the candidate's name and ID masked."""
    return Text("attendance.mismatch_notice", params)
