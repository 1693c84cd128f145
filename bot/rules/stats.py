"""Pass rates (L2) and the O1 oversight signal, as pure computations over confirmed subject scores.

A candidate (one ticket) *sat* when at least one of their subjects has a score that is not an absence; they *passed*
when every subject they were seated for has a confirmed score marked passed (L2: each subject ≥ 60). The pass rate is
passed / sat (None while nobody sat). O1 (003 (十七)): an evaluation body whose average pass rate over the last 12
months exceeds 90 % is a key supervision target — the average is taken over all candidates who sat in its batches held
in the 365 days up to today (every candidate weighs the same).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

O1_THRESHOLD = 0.9
O1_WINDOW = timedelta(days=365)
O1_CITATION = "003 (十七)"


@dataclass(frozen=True)
class SubjectScore:
    """One confirmed subject score of a ticket."""

    ticket_id: int
    subject: str
    passed: bool
    absent: bool = False


@dataclass(frozen=True)
class Candidate:
    """A candidate of a batch: the ticket and the subjects they were seated for (empty: whatever was scored)."""

    ticket_id: int
    subjects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tally:
    """Counts of a group of candidates."""

    candidates: int = 0
    sat: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        """Passed / sat, None while nobody sat."""
        return self.passed / self.sat if self.sat else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.candidates + other.candidates, self.sat + other.sat, self.passed + other.passed)


def outcome(candidate: Candidate, scores: Iterable[SubjectScore]) -> tuple[bool, bool]:
    """(sat, passed) of one candidate from their scores."""
    mine = {s.subject: s for s in scores if s.ticket_id == candidate.ticket_id}
    sat = any(not s.absent for s in mine.values())
    required = candidate.subjects or frozenset(mine)
    passed = sat and bool(required) and all(
        subject in mine and mine[subject].passed and not mine[subject].absent for subject in required
    )
    return sat, passed


def tally(candidates: Iterable[Candidate], scores: Iterable[SubjectScore]) -> Tally:
    """Candidates, sat and passed of a group."""
    by_ticket: dict[int, list[SubjectScore]] = {}
    for score in scores:
        by_ticket.setdefault(score.ticket_id, []).append(score)
    total = sat = passed = 0
    for candidate in candidates:
        did_sit, did_pass = outcome(candidate, by_ticket.get(candidate.ticket_id, ()))
        total += 1
        sat += did_sit
        passed += did_pass
    return Tally(total, sat, passed)


def in_o1_window(exam_date: date, today: date) -> bool:
    """True when a batch held on `exam_date` counts towards the last 12 months up to `today`."""
    return today - O1_WINDOW < exam_date <= today


def key_target(rate: float | None) -> bool:
    """O1: an average pass rate above 90 % makes the body a key supervision target."""
    return rate is not None and rate > O1_THRESHOLD


def percent(rate: float | None) -> str:
    """A rate as `83.3%`, or `—` when undefined."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
