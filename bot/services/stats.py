"""Loads batches, tickets, seats and confirmed scores for /stats and tallies them with bot/rules/stats.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules import stats as rules
from flows.stats import BatchLine, GroupLine, Report
from storage.models import ExamBatch, Institution, Occupation, Score, Seat, Ticket

LIVE_TICKET = "active"
MAX_BATCHES = 30


async def report(session: AsyncSession, today: date, limit: int = MAX_BATCHES) -> Report:
    """Per batch (newest exam first, at most `limit`), per occupation and per body over the last 12 months (O1)."""
    batches = list((await session.exec(select(ExamBatch).order_by(col(ExamBatch.exam_date).desc(), col(ExamBatch.id).desc()))).all())
    occupations = {o.id: o for o in (await session.exec(select(Occupation))).all()}
    institutions = {i.id: i for i in (await session.exec(select(Institution))).all()}
    tickets = list((await session.exec(select(Ticket))).all())
    scores = list((await session.exec(select(Score))).all())
    seats = (await session.exec(select(Seat.ticket_id, Seat.subject))).all()
    subjects: dict[int, set[str]] = defaultdict(set)
    for ticket_id, subject in seats:
        subjects[ticket_id].add(subject)
    scored = {s.ticket_id for s in scores}
    by_batch: dict[int, list[rules.Candidate]] = defaultdict(list)
    for ticket in tickets:
        if ticket.id is not None and (ticket.status == LIVE_TICKET or ticket.id in scored):
            by_batch[ticket.batch_id].append(rules.Candidate(ticket.id, frozenset(subjects.get(ticket.id, ()))))
    scores_of: dict[int, list[rules.SubjectScore]] = defaultdict(list)
    for s in scores:
        scores_of[s.batch_id].append(rules.SubjectScore(s.ticket_id, s.subject, s.passed, s.absent))
    lines: list[BatchLine] = []
    per_occupation: dict[str, rules.Tally] = {}
    per_body: dict[str, rules.Tally] = {}
    for batch in batches:
        assert batch.id is not None
        tally = rules.tally(by_batch.get(batch.id, ()), scores_of.get(batch.id, ()))
        occupation = occupations.get(batch.occupation_id)
        occupation_name = _occupation_name(occupation)
        lines.append(BatchLine(batch.id, batch.name, occupation_name, batch.level, batch.exam_date, tally))
        per_occupation[occupation_name] = per_occupation.get(occupation_name, rules.Tally()) + tally
        body = institutions.get(occupation.institution_id) if occupation is not None else None
        body_name = body.name if body is not None else "—"
        if rules.in_o1_window(batch.exam_date, today):
            per_body[body_name] = per_body.get(body_name, rules.Tally()) + tally
    return Report(
        lines[:limit],
        [GroupLine(name, t) for name, t in sorted(per_occupation.items())],
        [GroupLine(name, t) for name, t in sorted(per_body.items())],
    )


def _occupation_name(occupation: Occupation | None) -> str:
    if occupation is None:
        return "—"
    return f"{occupation.name}（{occupation.work_type}）" if occupation.work_type else occupation.name
