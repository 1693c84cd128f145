"""The room record (考场情况记录表, DOMAIN C9): the chief proctor's papers count and the record files for staff.

At the end of a sitting the chief proctor of each room gets a message with the expected count as a one-tap button
(`rp:ok:<room>:<count>`); another count is typed as `/papers <room id> <count> [notes]`. Staff list recent sittings
(`/room_record`), open one (`rr:s:<sitting>`) and get the PDF and xlsx of a room (`rr:get:<room>`) or of every room
of the sitting (`rr:all:<sitting>`); `/room_record <sitting id> [room name]` does the same directly. Buttons carry
everything they need, so nothing here keeps conversation state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.normalize import nfkc
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Document, InlineButton, InlineKeyboard, Label, Reply, Text, button
from flows.state import ConversationState

PAPERS_COMMAND = "papers"
RECORD_COMMAND = "room_record"
PAPERS_PREFIX = "rp"  # proctors: confirm the papers count
RECORD_PREFIX = "rr"  # staff: list sittings, get the record files
CONFIRM = "ok"
LIST, SITTING, ROOM, ALL = "ls", "s", "get", "all"
_RECORD_ACTIONS = {LIST: 0, SITTING: 1, ROOM: 1, ALL: 1}
MAX_PAPERS = 9999
MAX_ID = 10**15
NOTES_LIMIT = 500


@dataclass(frozen=True)
class PapersInput:
    """A typed papers count: the room, the count and optional notes for the record."""

    room_id: int
    count: int
    notes: str | None = None


@dataclass(frozen=True)
class Target:
    """What `/room_record` asks for: nothing (the list), a sitting, or one room of a sitting by name."""

    session_id: int | None = None
    room: str | None = None


@dataclass(frozen=True)
class RecordAction:
    """A parsed staff button: what to do and the id it names (0 for the list)."""

    kind: str
    id: int = 0


@dataclass(frozen=True)
class RenderedRecord:
    """Record files for sending: a caption title, the PDF (None when no CJK font is installed) and the workbook."""

    title: str
    filename: str
    pdf: bytes | None
    xlsx: bytes


def _number(raw: str, limit: int) -> int | None:
    value = nfkc(raw).strip().lstrip("#")
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        return None
    number = int(value)
    return number if number <= limit else None


def parse_papers(args: str) -> PapersInput | None:
    """`<room id> <count> [notes…]` (full-width digits accepted); None when malformed or out of range."""
    parts = nfkc(args).strip().split(maxsplit=2)
    if len(parts) < 2:
        return None
    room_id, count = _number(parts[0], MAX_ID), _number(parts[1], MAX_PAPERS)
    if room_id is None or count is None or room_id == 0:
        return None
    notes = " ".join(parts[2].split())[:NOTES_LIMIT] if len(parts) == 3 else None
    return PapersInput(room_id, count, notes or None)


def parse_target(args: str) -> Target | None:
    """`` (the list), `<sitting id>` or `<sitting id> <room name>`; None when malformed."""
    parts = nfkc(args).strip().split(maxsplit=1)
    if not parts:
        return Target()
    session_id = _number(parts[0], MAX_ID)
    if session_id is None or session_id == 0:
        return None
    return Target(session_id, parts[1].strip() if len(parts) == 2 else None)


def papers_data(room_id: int, count: int) -> str:
    """Callback data of the one-tap confirmation."""
    return f"{PAPERS_PREFIX}:{CONFIRM}:{room_id}:{count}"


def parse_papers_button(data: str) -> PapersInput | None:
    """The room and count of a confirmation button; None when malformed."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != PAPERS_PREFIX or parts[1] != CONFIRM:
        return None
    room_id, count = _number(parts[2], MAX_ID), _number(parts[3], MAX_PAPERS)
    if room_id is None or count is None:
        return None
    return PapersInput(room_id, count)


def record_data(kind: str, ident: int | None = None) -> str:
    """Callback data of a staff button."""
    return f"{RECORD_PREFIX}:{kind}" if ident is None else f"{RECORD_PREFIX}:{kind}:{ident}"


def parse_record_button(data: str) -> RecordAction | None:
    """The action of a staff button; None when malformed."""
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != RECORD_PREFIX or parts[1] not in _RECORD_ACTIONS:
        return None
    ids = parts[2:]
    if len(ids) != _RECORD_ACTIONS[parts[1]]:
        return None
    if not ids:
        return RecordAction(parts[1])
    ident = _number(ids[0], MAX_ID)
    return RecordAction(parts[1], ident) if ident else None


def _sitting_params(facts: dict[str, Any]) -> dict[str, Any]:
    return {**facts, "subject": Label(f"subject.{facts['subject']}")}


def ask_papers(facts: dict[str, Any]) -> Text:
    """The end-of-sitting request to the chief proctor: counts so far, a one-tap button for the expected count."""
    confirm = button("room_record.btn_confirm", papers_data(facts["room_id"], facts["expected"]), count=facts["expected"])
    keyboard = InlineKeyboard(((confirm,),))
    return Text("room_record.ask", _sitting_params(facts), keyboard)


def ready_notice(facts: dict[str, Any]) -> Text:
    """The notice to staff that a room's record is complete, with a button for its files."""
    keyboard = InlineKeyboard(((button("room_record.btn_files", record_data(ROOM, facts["room_id"])),),))
    return Text("room_record.ready", _sitting_params(facts), keyboard)


def papers_usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to use /papers."""
    return FlowResult(state, [Text("room_record.papers_usage")])


def refuse(state: ConversationState, ctx: FlowContext, key: str, **params: Any) -> FlowResult:
    """An action refused with a reason."""
    return FlowResult(state, [Text(key, params)])


def papers_confirmed(state: ConversationState, ctx: FlowContext, facts: dict[str, Any], changed: bool) -> FlowResult:
    """The proctor's confirmation; a count differing from the expected one is pointed out."""
    key = "room_record.papers_done" if changed else "room_record.papers_same"
    replies: list[Reply] = [Text(key, _sitting_params(facts))]
    if facts["count"] != facts["expected"]:
        params = {"count": facts["count"], "expected": facts["expected"], "room_id": facts["room_id"]}
        replies.append(Text("room_record.papers_differ", params))
    return FlowResult(state, replies)


def record_usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to use /room_record."""
    return FlowResult(state, [Text("room_record.usage")])


def listing(state: ConversationState, ctx: FlowContext, sittings: list[dict[str, Any]]) -> FlowResult:
    """Recent sittings, one button each."""
    if not sittings:
        return FlowResult(state, [Text("room_record.list_empty")])
    items = [_sitting_params(s) for s in sittings]
    keyboard = InlineKeyboard(tuple(
        (button("room_record.btn_sitting", record_data(SITTING, s["id"]), **_sitting_params(s)),) for s in sittings
    ))
    return FlowResult(state, [Text("room_record.list", {"items": items}, keyboard)])


def sitting_card(state: ConversationState, ctx: FlowContext, facts: dict[str, Any] | None) -> FlowResult:
    """A sitting's rooms with their counts and papers status; a button per room, one for all, one back to the list."""
    if facts is None:
        return FlowResult(state, [Text("room_record.not_found")])
    rooms = [
        {**r, "papers": Label("room_record.papers_count", {"count": r["papers"]}) if r["papers"] is not None
         else Label("room_record.papers_missing")}
        for r in facts["rooms"]
    ]
    rows: list[tuple[InlineButton, ...]] = [
        (button("room_record.btn_room", record_data(ROOM, r["id"]), room=r["name"]),) for r in facts["rooms"]
    ]
    if len(facts["rooms"]) > 1:
        rows.append((button("room_record.btn_all", record_data(ALL, facts["id"])),))
    rows.append((button("room_record.btn_list", record_data(LIST)),))
    params = {**_sitting_params(facts), "rooms": rooms}
    return FlowResult(state, [Text("room_record.sitting", params, InlineKeyboard(tuple(rows)))])


def files(state: ConversationState, ctx: FlowContext, record: RenderedRecord | None) -> FlowResult:
    """The record as an A4 PDF and an xlsx workbook (internal records: names, no ID numbers)."""
    if record is None:
        return FlowResult(state, [Text("room_record.not_found")])
    replies: list[Reply] = []
    if record.pdf is not None:
        caption = Label("room_record.caption_pdf", {"title": record.title})
        replies.append(Document(content=record.pdf, filename=f"{record.filename}.pdf", caption=caption))
    else:
        replies.append(Text("room_record.pdf_unavailable"))
    caption_xlsx = Label("room_record.caption_xlsx", {"title": record.title})
    replies.append(Document(content=record.xlsx, filename=f"{record.filename}.xlsx", caption=caption_xlsx))
    return FlowResult(state, replies)
