"""Room and seat assignment for a batch (A3: one candidate per desk, never above a room's capacity).

Stable and re-runnable: a seat already held stays where it is while its room still exists and the seat number
is within capacity; new candidates take the lowest free seat of the first room (in room order) with space.
Candidates are placed in a fixed order (application id, i.e. submission order), so running the assignment
twice changes nothing, and approving more candidates later never moves anyone already seated.
"""

from __future__ import annotations

from dataclasses import dataclass

# Which seat kinds suit which subject (A3: theory at single desks or screened computer seats).
SUITABLE_KINDS: dict[str, tuple[str, ...]] = {
    "theory": ("desk", "computer"),
    "practical": ("station", "computer"),
    "comprehensive": ("desk", "station"),
}
ROOM_KINDS = ("desk", "computer", "station")
SUBJECTS = ("theory", "practical", "comprehensive")


@dataclass(frozen=True)
class Room:
    """A room of the session for `subject`, in assignment order."""

    id: int
    subject: str
    capacity: int


@dataclass(frozen=True)
class Candidate:
    """An approved application and the subjects it sits."""

    application_id: int
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Placement:
    """A seat: candidate, subject, room and seat number (1-based)."""

    application_id: int
    subject: str
    room_id: int
    number: int


@dataclass(frozen=True)
class SeatPlan:
    """The result: every seat to hold, the seats to release, and candidates without a seat per subject."""

    seats: tuple[Placement, ...]
    released: tuple[Placement, ...]
    unplaced: dict[str, tuple[int, ...]]

    def added(self, existing: tuple[Placement, ...] | list[Placement]) -> list[Placement]:
        """Seats in the plan that were not held before."""
        held = set(existing)
        return [s for s in self.seats if s not in held]


def assign(candidates: list[Candidate], rooms: list[Room], existing: list[Placement]) -> SeatPlan:
    """Keep valid existing seats, release invalid ones (room gone, over capacity, candidate or subject gone), seat the rest."""
    by_id = {r.id: r for r in rooms}
    wanted = {(c.application_id, s) for c in candidates for s in c.subjects}
    taken: set[tuple[int, int]] = set()
    kept: dict[tuple[int, str], Placement] = {}
    released: list[Placement] = []
    for seat in sorted(existing, key=lambda p: (p.room_id, p.number)):
        room = by_id.get(seat.room_id)
        valid = (
            room is not None
            and room.subject == seat.subject
            and 1 <= seat.number <= room.capacity
            and (seat.application_id, seat.subject) in wanted
            and (seat.room_id, seat.number) not in taken
            and (seat.application_id, seat.subject) not in kept
        )
        if valid:
            kept[(seat.application_id, seat.subject)] = seat
            taken.add((seat.room_id, seat.number))
        else:
            released.append(seat)
    unplaced: dict[str, list[int]] = {}
    cursor: dict[int, int] = {}
    for candidate in sorted(candidates, key=lambda c: c.application_id):
        for subject in candidate.subjects:
            if (candidate.application_id, subject) in kept:
                continue
            seat = _free_seat([r for r in rooms if r.subject == subject], taken, cursor)
            if seat is None:
                unplaced.setdefault(subject, []).append(candidate.application_id)
                continue
            room_id, number = seat
            taken.add(seat)
            kept[(candidate.application_id, subject)] = Placement(candidate.application_id, subject, room_id, number)
    ordered = tuple(sorted(kept.values(), key=lambda p: (p.application_id, SUBJECTS.index(p.subject) if p.subject in SUBJECTS else 9)))
    return SeatPlan(ordered, tuple(released), {k: tuple(v) for k, v in unplaced.items()})


def _free_seat(rooms: list[Room], taken: set[tuple[int, int]], cursor: dict[int, int]) -> tuple[int, int] | None:
    """Lowest free seat of the first room with space; `cursor` remembers where each room's search stopped."""
    for room in rooms:
        number = cursor.get(room.id, 1)
        while number <= room.capacity and (room.id, number) in taken:
            number += 1
        cursor[room.id] = number
        if number <= room.capacity:
            return room.id, number
    return None
