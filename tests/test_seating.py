"""Seat assignment (A3): capacity, one candidate per seat, stability across re-runs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules import ticket_numbers
from bot.rules.seating import Candidate, Placement, Room, assign

ROOMS = [Room(1, "theory", 2), Room(2, "theory", 2), Room(3, "practical", 3)]


def _both(*ids: int) -> list[Candidate]:
    return [Candidate(i, ("theory", "practical")) for i in ids]


def test_fills_rooms_in_order_and_reports_overflow() -> None:
    plan = assign(_both(10, 11, 12, 13, 14), ROOMS, [])
    theory = [(p.application_id, p.room_id, p.number) for p in plan.seats if p.subject == "theory"]
    assert theory == [(10, 1, 1), (11, 1, 2), (12, 2, 1), (13, 2, 2)]
    assert plan.unplaced == {"theory": (14,), "practical": (13, 14)}


def test_rerun_changes_nothing_and_late_approvals_do_not_move_anyone() -> None:
    first = assign(_both(10, 12), ROOMS, [])
    again = assign(_both(10, 12), ROOMS, list(first.seats))
    assert again.seats == first.seats and not again.released
    later = assign(_both(10, 11, 12), ROOMS, list(first.seats))
    assert set(first.seats) <= set(later.seats)
    assert [p for p in later.added(first.seats) if p.subject == "theory"] == [Placement(11, "theory", 2, 1)]


def test_withdrawn_candidate_frees_the_seat_for_the_next_one() -> None:
    first = assign(_both(10, 11), ROOMS, [])
    after = assign(_both(11, 12), ROOMS, list(first.seats))
    assert {p.application_id for p in after.released} == {10}
    assert Placement(12, "theory", 1, 1) in after.seats and Placement(11, "theory", 1, 2) in after.seats


def test_shrunk_or_removed_room_releases_only_its_invalid_seats() -> None:
    first = assign(_both(10, 11, 12), ROOMS, [])
    smaller = [Room(1, "theory", 1), Room(2, "theory", 3), Room(3, "practical", 3)]
    after = assign(_both(10, 11, 12), smaller, list(first.seats))
    assert [p.application_id for p in after.released] == [11]
    assert Placement(10, "theory", 1, 1) in after.seats and Placement(12, "theory", 2, 1) in after.seats
    assert Placement(11, "theory", 2, 2) in after.seats


def test_only_the_subjects_a_candidate_sits() -> None:
    plan = assign([Candidate(5, ("practical",))], ROOMS, [])
    assert [(p.subject, p.room_id) for p in plan.seats] == [("practical", 3)]


@settings(max_examples=150, deadline=None)
@given(
    capacities=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4),
    first=st.sets(st.integers(min_value=1, max_value=40), max_size=25),
    second=st.sets(st.integers(min_value=1, max_value=40), max_size=25),
)
def test_properties(capacities: list[int], first: set[int], second: set[int]) -> None:
    rooms = [Room(i + 1, "theory", c) for i, c in enumerate(capacities)]
    cands = lambda ids: [Candidate(i, ("theory",)) for i in sorted(ids)]  # noqa: E731
    plan1 = assign(cands(first), rooms, [])
    plan2 = assign(cands(second), rooms, list(plan1.seats))
    for plan, ids in ((plan1, first), (plan2, second)):
        seats = [(p.room_id, p.number) for p in plan.seats]
        assert len(seats) == len(set(seats)), "two candidates on one seat"
        cap = {r.id: r.capacity for r in rooms}
        assert all(1 <= n <= cap[r] for r, n in seats), "seat beyond capacity"
        placed = {p.application_id for p in plan.seats}
        assert placed | set(plan.unplaced.get("theory", ())) == ids
        assert len(placed) == min(len(ids), sum(capacities))
    kept = {p for p in plan1.seats if p.application_id in second}
    assert kept <= set(plan2.seats), "a seat held by a remaining candidate moved"


def test_ticket_number_format() -> None:
    assert ticket_numbers.make(2026, 7, 4, 12) == "26000740012"
    assert ticket_numbers.looks_like("26000740012")
    assert ticket_numbers.make(2031, 123456, 1, 9999) == "311234561" + "9999"
    for bad in ((2026, 1, 6, 1), (2026, 1, 4, 0), (2026, 1, 4, 10000)):
        try:
            ticket_numbers.make(*bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")
