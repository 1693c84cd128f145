"""Exam-day checklists (DOMAIN C1–C10) as messages: a role's items of one moment in one room with a tick button per
item, the supervisor's overview of a sitting, escalations of open items, and the callback data of their buttons.

Pure: the services load the facts into the views below; this module only renders them and parses button data.
Item texts are `checklist.item.<key>` (the 监考人员守则 wording) and `checklist.short.<key>` (the button label);
moment titles are `checklist.moment.<rule>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.replies import Answer, Edit, InlineButton, InlineKeyboard, Label, Reply, Text

PREFIX = "ck"  # callback-data namespace of checklist buttons
OVERVIEW = "ov"
TICK, UNTICK = "1", "0"
MAX_DATA = 64  # bytes of callback data Telegram accepts

TICKED, UNTICKED, UNCHANGED, REFUSED, GONE = "ticked", "unticked", "unchanged", "refused", "gone"
REFRESHED = "refreshed"


@dataclass(frozen=True)
class Press:
    """A tick button: the room, the item key, and whether the press ticks (True) or unticks it."""

    room_id: int
    item: str
    tick: bool


@dataclass(frozen=True)
class Refresh:
    """The overview's refresh button: the sitting and the moment the overview was sent for."""

    session_id: int
    moment: str


def item_data(room_id: int, key: str, tick: bool) -> str:
    """Callback data of an item button: `ck:<room>:<item>:1` ticks, `…:0` unticks (a stale button never flips)."""
    data = f"{PREFIX}:{room_id}:{key}:{TICK if tick else UNTICK}"
    if len(data.encode("utf-8")) > MAX_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def overview_data(session_id: int, moment: str) -> str:
    """Callback data of the overview's refresh button: `ck:ov:<session>:<moment>`."""
    return f"{PREFIX}:{OVERVIEW}:{session_id}:{moment}"


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63  # a signed 64-bit store id


def parse(data: str) -> Press | Refresh | None:
    """The button a callback data stands for, or None when it is not a well-formed checklist button."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    if parts[1] == OVERVIEW:
        return Refresh(int(parts[2]), parts[3]) if _number(parts[2]) and parts[3] else None
    if not _number(parts[1]) or not parts[2] or parts[3] not in (TICK, UNTICK):
        return None
    return Press(int(parts[1]), parts[2], parts[3] == TICK)


@dataclass(frozen=True)
class ItemState:
    """One item as shown: its key, whether it is ticked, and by whom at what local time."""

    key: str
    ticked: bool = False
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class Sitting:
    """What every checklist message says about the sitting: subject code, site, local date."""

    subject: str
    site: str
    date: str


@dataclass(frozen=True)
class ChecklistView:
    """The checklist of one role (`chief`, `deputy`, `assessor`) in one room at one moment."""

    sitting: Sitting
    room_id: int
    room: str
    rule: str  # C1…C9 (C10 items come with C1)
    time: str  # local HH:MM of the moment
    role: str
    items: tuple[ItemState, ...]
    late: bool = False


@dataclass(frozen=True)
class RoomLine:
    """One room in the supervisor's overview; empty names mean not assigned."""

    room: str
    chief: str
    deputy: str
    seated: int
    done: int
    total: int


@dataclass(frozen=True)
class OverviewView:
    """The supervisor's overview of a sitting at a moment: every room, items ticked of those due so far."""

    sitting: Sitting
    session_id: int
    moment: str
    rule: str
    time: str
    rooms: tuple[RoomLine, ...]
    late: bool = False


@dataclass(frozen=True)
class OpenRoom:
    """A room with items still open after a moment: its name, its chief proctor's name and the open item keys."""

    room: str
    chief: str
    items: tuple[str, ...]


def _sitting(sitting: Sitting) -> dict[str, object]:
    return {"subject": Label(f"subject.{sitting.subject}"), "site": sitting.site, "date": sitting.date}


def _title(rule: str) -> Label:
    return Label(f"checklist.moment.{rule}")


def _checklist(view: ChecklistView) -> tuple[dict[str, object], InlineKeyboard]:
    items = [
        {"number": n, "done": i.ticked, "text": Label(f"checklist.item.{i.key}"), "by": i.by, "at": i.at}
        for n, i in enumerate(view.items, start=1)
    ]
    params = {
        **_sitting(view.sitting), "rule": view.rule, "title": _title(view.rule), "time": view.time, "room": view.room,
        "role": Label(f"checklist.role.{view.role}"), "items": items, "late": view.late,
    }
    rows = tuple(
        (InlineButton(
            Label("checklist.button", {"number": n, "done": i.ticked, "text": Label(f"checklist.short.{i.key}")}),
            data=item_data(view.room_id, i.key, not i.ticked),
        ),)
        for n, i in enumerate(view.items, start=1)
    )
    return params, InlineKeyboard(rows)


def checklist_message(view: ChecklistView) -> Text:
    """The checklist as a new message (sent through the outbox)."""
    params, keyboard = _checklist(view)
    return Text("checklist.message", params, keyboard)


def checklist_edit(view: ChecklistView) -> Edit:
    """The checklist replacing the message whose button was pressed (never marked late)."""
    params, keyboard = _checklist(view)
    return Edit("checklist.message", {**params, "late": False}, keyboard)


def _overview(view: OverviewView) -> tuple[dict[str, object], InlineKeyboard]:
    rooms = [
        {"room": r.room, "chief": r.chief or Label("checklist.unassigned"), "deputy": r.deputy or Label("checklist.unassigned"),
         "seated": r.seated, "done": r.done, "total": r.total}
        for r in view.rooms
    ]
    params = {**_sitting(view.sitting), "rule": view.rule, "title": _title(view.rule), "time": view.time,
              "rooms": rooms, "late": view.late}
    refresh = InlineButton(Label("checklist.refresh"), data=overview_data(view.session_id, view.moment))
    return params, InlineKeyboard(((refresh,),))


def overview_message(view: OverviewView) -> Text:
    """The supervisor's overview as a new message, with a refresh button."""
    params, keyboard = _overview(view)
    return Text("checklist.overview", params, keyboard)


def overview_edit(view: OverviewView) -> Edit:
    """The overview refreshed in place."""
    params, keyboard = _overview(view)
    return Edit("checklist.overview", {**params, "late": False}, keyboard)


def _open_items(keys: tuple[str, ...]) -> list[Label]:
    return [Label(f"checklist.item.{k}") for k in keys]


def escalation_chief(sitting: Sitting, rule: str, time: str, minutes: int, room: OpenRoom) -> Text:
    """To the chief proctor: the items of the room still open `minutes` after the moment."""
    params = {**_sitting(sitting), "rule": rule, "title": _title(rule), "time": time, "minutes": minutes,
              "room": room.room, "items": _open_items(room.items)}
    return Text("checklist.escalation_chief", params)


def escalation_staff(sitting: Sitting, rule: str, time: str, minutes: int, rooms: tuple[OpenRoom, ...]) -> Text:
    """To staff and admins: every room of the sitting with items still open `minutes` after the moment."""
    listed = [{"room": r.room, "chief": r.chief or Label("checklist.unassigned"), "open": _open_items(r.items)} for r in rooms]
    params = {**_sitting(sitting), "rule": rule, "title": _title(rule), "time": time, "minutes": minutes, "rooms": listed}
    return Text("checklist.escalation_staff", params)


@dataclass(frozen=True)
class PressResult:
    """What a press did (TICKED, UNTICKED, UNCHANGED, REFRESHED, REFUSED, GONE), the item and the view to show."""

    outcome: str
    item: str = ""
    view: ChecklistView | OverviewView | None = None


def pressed(result: PressResult) -> list[Reply]:
    """The callback answer (a short toast, or the refusal) and, when there is a view, the message edited in place."""
    if result.outcome == REFUSED:
        return [Answer(Label("checklist.refused"))]
    if result.outcome == GONE or result.view is None:
        return [Answer(Label("checklist.gone"))]
    replies: list[Reply] = []
    if result.outcome == TICKED:
        replies.append(Answer(Label("checklist.ticked", {"text": Label(f"checklist.short.{result.item}")})))
    elif result.outcome == UNTICKED:
        replies.append(Answer(Label("checklist.unticked", {"text": Label(f"checklist.short.{result.item}")})))
    else:
        replies.append(Answer())
    if isinstance(result.view, OverviewView):
        replies.append(overview_edit(result.view))
    else:
        replies.append(checklist_edit(result.view))
    return replies
