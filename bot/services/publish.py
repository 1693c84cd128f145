"""/publish: results publicity starts (P5), scores are marked published and each candidate is told their own scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.results import SubjectScore, candidate_passed
from bot.services import outbox
from bot.services.deadlines import batch_deadlines
from bot.services.policy_profiles import get_profile
from bot.services.scores import Roster, confirmed, roster
from flows.replies import Label, Text
from storage.repositories import audit

PUBLICITY_END_RULE = "P5-end"


@dataclass(frozen=True)
class Published:
    """Outcome: `status` is ok | no_batch | already | incomplete | no_tickets; dates and counts for the reply."""

    status: str
    batch: str = ""
    start: date | None = None
    end: date | None = None
    notified: int = 0
    passed: int = 0
    missing: int = 0


async def publicity_end(app: App, session: AsyncSession, policy: str | None, exam_date: date, start: date) -> date | None:
    """The earliest end of the publicity under the batch's policy (P5-end), None when the policy sets none."""
    try:
        profile = get_profile(policy or app.settings.policy)
    except LookupError:  # UnknownPolicy: an unknown profile sets no period
        return None
    derived = await batch_deadlines(session, profile, {"exam_date": exam_date, "publicity_start": start})
    return next((d.due for d in derived.deadlines if d.rule == PUBLICITY_END_RULE), None)


def results_of(found: Roster, scores: dict[tuple[int, str], SubjectScore]) -> dict[int, bool]:
    """Whether each candidate (by ticket id) passed the batch (L2)."""
    return {
        c.ticket_id: candidate_passed(c.level, {s: v for (t, s), v in scores.items() if t == c.ticket_id}, c.subjects,
                                      found.subjects)
        for c in found.candidates
    }


def _notice(batch: str, subjects: tuple[str, ...], mine: dict[str, SubjectScore], passed: bool, end: date | None) -> Text:
    lines = [
        {"subject": Label(f"subject.{s}"), "value": _value(mine[s]), "absent": mine[s].absent,
         "passed": not mine[s].absent and (mine[s].value or 0) >= 60}
        for s in subjects if s in mine
    ]
    return Text("scores.notice", {"batch": batch, "lines": lines, "passed": passed, "end": end.isoformat() if end else ""})


def _value(score: SubjectScore) -> str:
    return "" if score.value is None else f"{score.value:g}"


async def publish(app: App, session: AsyncSession, batch_id: int, actor_id: int, today: date) -> Published:
    """Start the publicity of a batch whose every score is confirmed; notices go to the outbox (caller commits)."""
    found = await roster(session, batch_id)
    if found is None:
        return Published("no_batch")
    batch = found.batch
    if batch.publicity_start is not None:
        return Published("already", batch.name, batch.publicity_start, batch.publicity_end)
    if not found.candidates:
        return Published("no_tickets", batch.name)
    rows = await confirmed(session, batch_id)
    scores = {(r.ticket_id, r.subject): SubjectScore(r.value, r.absent) for r in rows}
    missing = sum(1 for cell in found.cells() if cell not in scores)
    if missing:
        return Published("incomplete", batch.name, missing=missing)
    batch.publicity_start = today
    batch.publicity_end = await publicity_end(app, session, batch.policy, batch.exam_date, today)
    batch.updated_at = datetime.now(timezone.utc)
    session.add(batch)
    now = datetime.now(timezone.utc)
    for row in rows:
        row.published_at = now
        session.add(row)
    results = results_of(found, scores)
    for c in found.candidates:
        mine = {s: v for (t, s), v in scores.items() if t == c.ticket_id}
        notice = _notice(batch.name, found.subjects, mine, results[c.ticket_id], batch.publicity_end)
        await outbox.enqueue(app, session, c.user_id, [notice], dedup_key=f"scores:{batch_id}:{c.ticket_id}")
    passed = sum(results.values())
    await audit.record(session, actor_id, "publish_scores", "exam_batch", batch_id, None, {
        "publicity_start": today.isoformat(), "publicity_end": batch.publicity_end.isoformat() if batch.publicity_end else None,
        "candidates": len(found.candidates), "passed": passed,
    })
    return Published("ok", batch.name, today, batch.publicity_end, len(found.candidates), passed)
