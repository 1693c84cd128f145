"""Score entry with a double check (DOMAIN L3) and confirmation (L2): the batch roster, the template, an uploaded
sheet checked per row, stored as round 1 or round 2, the two rounds compared, and confirmed scores.

Rounds: the first upload of a batch is round 1; an upload by a different staff member is round 2 (a later one replaces
the previous round 2, so differences are resolved by a corrected round 2); the round-1 author is refused for round 2.
`restart` drops both unconfirmed rounds when round 1 itself was wrong. Confirmation needs both rounds complete and
equal, and is done by someone other than the round-1 author. The audit keeps counts and the file's SHA-256, never
individual scores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.results import SubjectScore, parse_value, subject_passed
from bot.rules.seating import SUBJECTS
from bot.services.score_sheet import NOT_SAT, Sheet
from storage.models import Application, ExamBatch, ExamSession, Score, ScoreEntry, Ticket
from storage.repositories import audit

ACTIVE = "active"
ABSENT_WORDS = frozenset({"缺考", "缺", "absent", "abs"})
EMPTY_WORDS = frozenset({"", NOT_SAT, "-", "/", "－"})

Cell = tuple[int, str]  # (ticket id, subject)


@dataclass(frozen=True)
class Candidate:
    """An active issued ticket of the batch with what the sheet needs."""

    ticket_id: int
    number: str
    user_id: int
    name: str
    level: int
    subjects: frozenset[str]
    application_id: int


@dataclass(frozen=True)
class Roster:
    """A batch, its subjects (in SUBJECTS order) and its active issued tickets (by ticket number)."""

    batch: ExamBatch
    subjects: tuple[str, ...]
    candidates: tuple[Candidate, ...]

    def cells(self) -> list[Cell]:
        """Every (ticket, subject) that needs a score."""
        return [(c.ticket_id, s) for c in self.candidates for s in self.subjects if s in c.subjects]

    def by_ticket(self) -> dict[int, Candidate]:
        """Candidates by ticket id."""
        return {c.ticket_id: c for c in self.candidates}


@dataclass(frozen=True)
class Problem:
    """A row problem: spreadsheet row (0 = the file), catalogue key under `scores.problem.`, params."""

    row: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Diff:
    """One cell where the rounds differ (None: not entered; "absent": 缺考)."""

    ticket: str
    subject: str
    first: float | str | None
    second: float | str | None


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: `status` is problems | round1 | round2 | same_person | confirmed | no_batch | no_tickets."""

    status: str
    round: int = 0
    entered: int = 0
    absent: int = 0
    missing: int = 0
    problems: tuple[Problem, ...] = ()
    diffs: tuple[Diff, ...] = ()
    sha256: str = ""

    @property
    def confirmable(self) -> bool:
        """Round 2 matches round 1 and every score is entered."""
        return self.status == "round2" and not self.diffs and self.missing == 0


async def roster(session: AsyncSession, batch_id: int) -> Roster | None:
    """The batch's subjects and its active issued tickets; None for an unknown batch."""
    batch = await session.get(ExamBatch, batch_id)
    if batch is None:
        return None
    held = set((await session.exec(select(ExamSession.subject).where(ExamSession.batch_id == batch_id))).all())
    subjects = tuple(s for s in SUBJECTS if s in held)
    query = (
        select(Ticket, Application)
        .where(Ticket.batch_id == batch_id, Ticket.status == ACTIVE, col(Ticket.issued_at).is_not(None),
               Ticket.application_id == Application.id)
        .order_by(col(Ticket.number))
    )
    candidates = tuple(
        Candidate(t.id or 0, t.number, t.user_id, a.name, a.level, frozenset(a.subjects) & frozenset(subjects), a.id or 0)
        for t, a in (await session.exec(query)).all()
    )
    return Roster(batch, subjects, candidates)


def check(sheet: Sheet, found: Roster) -> tuple[dict[Cell, SubjectScore], list[Problem]]:
    """Entered cells of a sheet read back, and its problems (unknown ticket, subject not sat, bad value, duplicate)."""
    if sheet.problem:
        return {}, [Problem(0, sheet.problem)]
    by_number = {c.number: c for c in found.candidates}
    seen: dict[str, int] = {}
    entered: dict[Cell, SubjectScore] = {}
    problems: list[Problem] = []
    for row in sheet.rows:
        candidate = by_number.get(row.ticket)
        if candidate is None:
            problems.append(Problem(row.row, "unknown_ticket", {"ticket": row.ticket}))
            continue
        if row.ticket in seen:
            problems.append(Problem(row.row, "duplicate_row", {"ticket": row.ticket, "first": seen[row.ticket]}))
            continue
        seen[row.ticket] = row.row
        for subject, text in row.cells.items():
            if subject not in candidate.subjects:
                if text not in EMPTY_WORDS:
                    problems.append(Problem(row.row, "not_sat", {"ticket": row.ticket, "subject": subject}))
                continue
            if text == "":
                continue
            if text.casefold() in ABSENT_WORDS:
                entered[(candidate.ticket_id, subject)] = SubjectScore(None, True)
                continue
            value = parse_value(text)
            if value is None:
                problems.append(Problem(row.row, "bad_value", {"ticket": row.ticket, "subject": subject, "value": text[:20]}))
            else:
                entered[(candidate.ticket_id, subject)] = SubjectScore(value, False)
    return entered, problems


async def entries(session: AsyncSession, batch_id: int) -> list[ScoreEntry]:
    """All stored entries of a batch."""
    return list((await session.exec(select(ScoreEntry).where(ScoreEntry.batch_id == batch_id))).all())


async def confirmed(session: AsyncSession, batch_id: int) -> list[Score]:
    """The confirmed scores of a batch."""
    return list((await session.exec(select(Score).where(Score.batch_id == batch_id))).all())


def _shown(score: SubjectScore | None) -> float | str | None:
    if score is None:
        return None
    return "absent" if score.absent else score.value


def compare(found: Roster, first: dict[Cell, SubjectScore], second: dict[Cell, SubjectScore]) -> tuple[list[Diff], int]:
    """Cells where the rounds differ (in roster order) and how many cells neither round entered."""
    by_ticket = found.by_ticket()
    diffs, missing = [], 0
    for cell in found.cells():
        a, b = first.get(cell), second.get(cell)
        if a is None and b is None:
            missing += 1
        elif a != b:
            diffs.append(Diff(by_ticket[cell[0]].number, cell[1], _shown(a), _shown(b)))
    return diffs, missing


def _as_map(rows: list[ScoreEntry], round_: int) -> dict[Cell, SubjectScore]:
    return {(e.ticket_id, e.subject): SubjectScore(e.value, e.absent) for e in rows if e.round == round_}


async def upload(session: AsyncSession, batch_id: int, actor_id: int, content: bytes, sheet: Sheet) -> UploadResult:
    """Check a filled sheet and store it as round 1 or 2 (in the caller's transaction, audited); round 2 is compared."""
    sha = hashlib.sha256(content).hexdigest()
    found = await roster(session, batch_id)
    if found is None:
        return UploadResult("no_batch", sha256=sha)
    if not found.candidates:
        return UploadResult("no_tickets", sha256=sha)
    if await confirmed(session, batch_id):
        return UploadResult("confirmed", sha256=sha)
    entered, problems = check(sheet, found)
    if problems:
        return UploadResult("problems", problems=tuple(problems), sha256=sha)
    stored = await entries(session, batch_id)
    first_authors = {e.entered_by for e in stored if e.round == 1}
    round_ = 1 if not first_authors else 2
    if actor_id in first_authors:
        return UploadResult("same_person", round=2, sha256=sha)
    for old in stored:
        if old.round == round_:
            await session.delete(old)
    await session.flush()
    now = datetime.now(timezone.utc)
    for (ticket_id, subject), score in entered.items():
        session.add(ScoreEntry(batch_id=batch_id, ticket_id=ticket_id, subject=subject, round=round_, value=score.value,
                               absent=score.absent, entered_by=actor_id, entered_at=now, upload_sha256=sha))
    absent = sum(1 for s in entered.values() if s.absent)
    missing = len(found.cells()) - len(entered)
    await audit.record(session, actor_id, "enter_scores", "exam_batch", batch_id, None,
                       {"round": round_, "entered": len(entered), "absent": absent, "missing": missing, "sha256": sha})
    if round_ == 1:
        return UploadResult("round1", 1, len(entered), absent, missing, sha256=sha)
    diffs, missing_both = compare(found, _as_map(stored, 1), entered)
    return UploadResult("round2", 2, len(entered), absent, missing_both, diffs=tuple(diffs), sha256=sha)


async def confirm(session: AsyncSession, batch_id: int, actor_id: int, sha: str) -> tuple[str, int]:
    """Store the confirmed scores from equal, complete rounds (L2 pass per subject): (status, scores stored).

    Status: ok | confirmed (already) | stale (round 2 changed or differs) | same_person (the round-1 author) | no_batch.
    """
    found = await roster(session, batch_id)
    if found is None:
        return "no_batch", 0
    if await confirmed(session, batch_id):
        return "confirmed", 0
    stored = await entries(session, batch_id)
    second = [e for e in stored if e.round == 2]
    if actor_id in {e.entered_by for e in stored if e.round == 1}:
        return "same_person", 0
    if not second or any(e.upload_sha256 != sha for e in second):
        return "stale", 0
    first_map, second_map = _as_map(stored, 1), _as_map(stored, 2)
    diffs, missing = compare(found, first_map, second_map)
    if diffs or missing or set(first_map) != set(found.cells()):
        return "stale", 0
    now = datetime.now(timezone.utc)
    passed = 0
    for (ticket_id, subject), score in second_map.items():
        ok = subject_passed(score)
        passed += ok
        session.add(Score(batch_id=batch_id, ticket_id=ticket_id, subject=subject, value=score.value, absent=score.absent,
                          passed=ok, confirmed_by=actor_id, confirmed_at=now))
    await audit.record(session, actor_id, "confirm_scores", "exam_batch", batch_id, None,
                       {"scores": len(second_map), "passed_subjects": passed, "sha256": sha})
    return "ok", len(second_map)


async def restart(session: AsyncSession, batch_id: int, actor_id: int) -> str:
    """Drop both unconfirmed rounds so that a new round 1 can be entered: ok | confirmed | empty."""
    if await confirmed(session, batch_id):
        return "confirmed"
    stored = await entries(session, batch_id)
    if not stored:
        return "empty"
    for old in stored:
        await session.delete(old)
    await audit.record(session, actor_id, "restart_scores", "exam_batch", batch_id,
                       {"entries": len(stored), "rounds": sorted({e.round for e in stored})}, None)
    return "ok"
