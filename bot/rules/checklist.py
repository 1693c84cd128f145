"""The exam-day checklist (DOMAIN C1–C10; 001 监考人员守则 and 考评人员守则 §2): moments relative to a sitting's start
T and end E, and the items each role ticks at each moment. Pure data; item text lives in the locales
(`checklist.item.<key>`), moment titles in `checklist.moment.<code>`.

Items are ticked once per room (by whichever proctor does it). `CHIEF` and `DEPUTY` items go to that proctor,
`PROCTORS` items to both; `ASSESSOR` items (C10) go to the batch's assessors for every room of the sitting. The
supervisor gets an overview of every room at `SUPERVISOR_MOMENTS` instead of items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CHIEF, DEPUTY, PROCTORS, ASSESSOR = "chief", "deputy", "proctors", "assessor"
START, END = "T", "E"


@dataclass(frozen=True)
class Moment:
    """A checklist moment: code (`T-40`), the rule it comes from, and its offset from the start or the end."""

    code: str
    rule: str
    anchor: str  # START or END
    minutes: int

    def at(self, starts_at: datetime, ends_at: datetime) -> datetime:
        """When this moment falls for a sitting."""
        return (starts_at if self.anchor == START else ends_at) + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Item:
    """One checklist item: key (unique per room), its moment, who does it, and whether only computer rooms have it."""

    key: str
    moment: str
    role: str
    computer_only: bool = False


MOMENTS: tuple[Moment, ...] = (
    Moment("T-40", "C1", START, -40),
    Moment("T-30", "C2", START, -30),
    Moment("T-15", "C3", START, -15),
    Moment("T-10", "C4", START, -10),
    Moment("T-5", "C5", START, -5),
    Moment("T+0", "C6", START, 0),
    Moment("T+30", "C7", START, 30),
    Moment("E-15", "C8", END, -15),
    Moment("E", "C9", END, 0),
)
ITEMS: tuple[Item, ...] = (
    Item("C1.meeting", "T-40", PROCTORS),
    Item("C1.badge", "T-40", PROCTORS),
    Item("C10.site", "T-40", ASSESSOR),
    Item("C10.equipment", "T-40", ASSESSOR),
    Item("C10.tools", "T-40", ASSESSOR),
    Item("C2.papers", "T-30", PROCTORS),
    Item("C2.occupation_level", "T-30", PROCTORS),
    Item("C2.roster", "T-30", PROCTORS),
    Item("C2.storage", "T-30", PROCTORS),
    Item("C3.store_items", "T-15", DEPUTY),
    Item("C3.verify_seat", "T-15", CHIEF),
    Item("C4.read_rules", "T-10", DEPUTY),
    Item("C4.devices_off", "T-10", DEPUTY),
    Item("C5.open_papers", "T-5", CHIEF),
    Item("C5.count_papers", "T-5", CHIEF),
    Item("C5.remind_fill", "T-5", CHIEF),
    Item("C5.computers", "T-5", CHIEF, computer_only=True),
    Item("C6.five_point", "T+0", DEPUTY),
    Item("C7.entry_closed", "T+30", PROCTORS),
    Item("C7.absentees", "T+30", PROCTORS),
    Item("C8.time_left", "E-15", PROCTORS),
    Item("C9.stop", "E", CHIEF),
    Item("C9.lead_out", "E", DEPUTY),
    Item("C9.collect_count", "E", PROCTORS),
    Item("C9.sort_seal", "E", PROCTORS),
    Item("C9.hand_over", "E", PROCTORS),
    Item("C9.summary_meeting", "E", PROCTORS),
)
SUPERVISOR_MOMENTS = ("T-40", "T+30", "E")
_MOMENTS = {m.code: m for m in MOMENTS}
_ITEMS = {i.key: i for i in ITEMS}


def moment(code: str) -> Moment | None:
    """The moment of a code, or None."""
    return _MOMENTS.get(code)


def item(key: str) -> Item | None:
    """The item of a key, or None."""
    return _ITEMS.get(key)


def items_for(moment_code: str, role: str, room_kind: str) -> tuple[Item, ...]:
    """The items a role (CHIEF, DEPUTY or ASSESSOR) ticks at a moment in a room of this kind (desk, computer, station)."""
    wanted = (role, PROCTORS) if role in (CHIEF, DEPUTY) else (role,)
    return tuple(
        i for i in ITEMS
        if i.moment == moment_code and i.role in wanted and (not i.computer_only or room_kind == "computer")
    )


def room_items(moment_code: str, room_kind: str) -> tuple[Item, ...]:
    """Every item of a room at a moment (all roles), as the escalation checks them."""
    return tuple(i for i in ITEMS if i.moment == moment_code and (not i.computer_only or room_kind == "computer"))
