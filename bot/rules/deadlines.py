"""Deadlines of a batch (DOMAIN P1–P8) derived from its events under a policy profile. Pure: the profile comes from
`bot/data/policies.toml` (loaded by `bot.services.policy_profiles`), the calendar from `bot.services.work_calendar`.

A rule counts `amount` units from an anchor event, `before` or `after` it (working days, calendar days, months, or
the end of a month; the counting convention is in `bot.rules.workdays`). A rule citing two documents has several
terms: a `due` date (do it by then) takes the earliest of them, a `not_before` date (no earlier than: a minimum
publicity period, a retention period) the latest, so that every document is satisfied.

Rules whose anchor event is not known yet are left out of `derive` and listed by `waiting` (with the missing event),
so a deadline is never shown on a guessed date. `exam_end` defaults to `exam_date` (a one-day batch) and
`exam_year_start` is 1 January of the exam's year. A rule may `provide` an event it stands for when that event is not
given (the earliest publicity end stands for `publicity_end`); a date derived from a provisional one is provisional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.rules.workdays import Reckoned, WorkCalendar, add_days, add_months, month_end

GIVEN_EVENTS = ("exam_date", "exam_end", "publicity_start", "publicity_end", "issue_date", "rejection_date")
DERIVED_EVENTS = ("exam_year_start",)
EVENTS = GIVEN_EVENTS + DERIVED_EVENTS
UNITS = ("working_days", "calendar_days", "months", "month_end")
DIRECTIONS = ("before", "after")
DUE, NOT_BEFORE = "due", "not_before"
KINDS = (DUE, NOT_BEFORE)


@dataclass(frozen=True)
class Term:
    """One way of counting a rule's date: `amount` of `unit`, with the citation it comes from."""

    amount: int
    unit: str
    citation: str


@dataclass(frozen=True)
class RuleSpec:
    """A P-rule as a profile applies it: anchor event, direction, terms, kind and the basis text shown to staff."""

    rule: str
    anchor: str
    direction: str
    terms: tuple[Term, ...]
    basis: str
    kind: str = DUE
    provides: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Silent:
    """A P-rule the profile's documents do not set (or that no batch event anchors), with the reason."""

    rule: str
    note: str


@dataclass(frozen=True)
class Profile:
    """A regional policy profile: its rules in display order and the rules it deliberately leaves out."""

    name: str
    title: str
    sources: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    silent: tuple[Silent, ...] = ()


@dataclass(frozen=True)
class Deadline:
    """A derived date: rule id, date, kind (due / not_before), basis, provisional flag and the anchor event."""

    rule: str
    due: date
    basis: str
    provisional: bool
    anchor: str
    kind: str = DUE


def _count(calendar: WorkCalendar, anchor: date, direction: str, term: Term) -> Reckoned:
    sign = 1 if direction == "after" else -1
    if term.unit == "working_days":
        if sign > 0:
            return calendar.add_workdays(anchor, term.amount)
        return calendar.subtract_workdays(anchor, term.amount)
    if term.unit == "calendar_days":
        return add_days(anchor, sign * term.amount)
    if term.unit == "months":
        return add_months(anchor, sign * term.amount)
    if term.unit == "month_end":
        return month_end(anchor, sign * term.amount)
    raise ValueError(f"unknown unit {term.unit!r}")


def reckon(spec: RuleSpec, anchor: Reckoned, calendar: WorkCalendar) -> Reckoned:
    """The rule's date from its anchor: each term counted, then the earliest (due) or latest (not_before)."""
    results = [_count(calendar, anchor.day, spec.direction, term) for term in spec.terms]
    pick = min if spec.kind == DUE else max
    chosen = pick(r.day for r in results)
    return Reckoned(chosen, anchor.provisional or any(r.provisional for r in results))


def known_events(events: Mapping[str, date | None]) -> dict[str, Reckoned]:
    """The given events plus the defaults and derived ones (exam_end ← exam_date, exam_year_start)."""
    known = {name: Reckoned(day) for name, day in events.items() if day is not None and name in GIVEN_EVENTS}
    exam = known.get("exam_date")
    if exam is not None:
        known.setdefault("exam_end", exam)
        known["exam_year_start"] = Reckoned(date(exam.day.year, 1, 1))
    return known


def _resolve(profile: Profile, events: Mapping[str, date | None], calendar: WorkCalendar) -> dict[str, Reckoned]:
    """Every rule whose anchor is known (directly or through another rule's `provides`), by rule id."""
    known = known_events(events)
    dates: dict[str, Reckoned] = {}
    progress = True
    while progress:
        progress = False
        for spec in profile.rules:
            if spec.rule in dates or spec.anchor not in known:
                continue
            dates[spec.rule] = reckon(spec, known[spec.anchor], calendar)
            if spec.provides and spec.provides not in known:
                known[spec.provides] = dates[spec.rule]
            progress = True
    return dates


def derive(profile: Profile, events: Mapping[str, date | None], calendar: WorkCalendar) -> list[Deadline]:
    """The profile's deadlines for the known events, in the profile's order; rules waiting for an event are left out."""
    dates = _resolve(profile, events, calendar)
    return [
        Deadline(spec.rule, dates[spec.rule].day, spec.basis, dates[spec.rule].provisional, spec.anchor, spec.kind)
        for spec in profile.rules
        if spec.rule in dates
    ]


def waiting(profile: Profile, events: Mapping[str, date | None], calendar: WorkCalendar) -> list[tuple[str, str]]:
    """(rule id, anchor event still unknown) for the rules `derive` leaves out."""
    dates = _resolve(profile, events, calendar)
    return [(spec.rule, spec.anchor) for spec in profile.rules if spec.rule not in dates]
