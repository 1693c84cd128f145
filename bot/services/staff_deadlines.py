"""Staff deadlines of batches (P-rules of the batch's policy profile, in Chinese working days): stored per batch,
reminded ahead, escalated daily when overdue until marked done.

`refresh_batch` (called after the commit whenever a batch's events change) derives the deadlines from the batch's
events (exam dates from its sittings, publicity start/end, certificate issue date) under its profile (`batch.policy`
or POLICY), upserts the `batch_deadline` rows (a done mark is kept while the rule's date is unchanged) and re-plans the
jobs of every `due` deadline not done yet, under explicit ids:

- `dl:<batch>:<rule>:<lead>` — a reminder `lead` working days before the date (STAFF_DEADLINE_LEADS, default "3,0";
  0 = the day itself) at STAFF_DEADLINE_REMIND_AT local time, to staff and admins; reminders already past are skipped;
- `dl:<batch>:<rule>:esc` — the overdue escalation to admins, first on the day after the date at the same time; it
  re-plans itself for the next day each time it fires, until the deadline is marked done (`/done`) or goes away.

`not_before` dates (minimum publicity period, retention) are listed but never reminded. Jobs carry only ids and read the
row when they fire; a late job (the bot was down) is delivered once. The outbox dedup key holds the deadline, the lead
(or `esc`), the local day and the chat, so a job firing twice sends nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.deadlines import DUE
from bot.services import outbox
from bot.services.deadlines import batch_deadlines
from bot.services.policy_profiles import UnknownPolicy, get_profile
from bot.services.work_calendar import load_calendar
from flows import staff_deadlines as flow
from flows.menu import STAFF_ROLES
from flows.replies import Label, Text
from storage.models import BatchDeadline, ExamBatch, ExamSession
from storage.repositories import audit, users

log = logging.getLogger(__name__)

PREFIX = "dl"
ESCALATE = "esc"
REMIND_FUNC = "bot.scheduler.deadline_jobs:remind"
ESCALATE_FUNC = "bot.scheduler.deadline_jobs:escalate"
ESCALATE_ROLES = ("admin",)


def job_prefix(batch_id: int, rule: str | None = None) -> str:
    """Job id prefix of a batch's deadline jobs (or of one rule's)."""
    return f"{PREFIX}:{batch_id}:" if rule is None else f"{PREFIX}:{batch_id}:{rule}:"


def leads(app: App) -> tuple[int, ...]:
    """STAFF_DEADLINE_LEADS as working-day counts, largest first, without duplicates or bad values."""
    values = {int(p) for p in app.settings.staff_deadline_leads.replace(",", " ").split() if p.strip().isdigit()}
    return tuple(sorted(values, reverse=True))


def remind_at(app: App) -> time:
    """STAFF_DEADLINE_REMIND_AT as a local time of day."""
    return time.fromisoformat(app.settings.staff_deadline_remind_at)


def local_moment(app: App, day: date) -> datetime:
    """The reminder time of `day` in the configured time zone, as an aware UTC datetime."""
    return datetime.combine(day, remind_at(app), tzinfo=app.tz).astimezone(timezone.utc)


async def batch_events(app: App, session: AsyncSession, batch: ExamBatch) -> dict[str, date | None]:
    """The batch's known events: exam first and last day (local, from its sittings), publicity, certificate issue."""
    sittings = list((await session.exec(select(ExamSession).where(ExamSession.batch_id == batch.id))).all())
    if sittings:
        first = min(_aware(s.starts_at) for s in sittings).astimezone(app.tz).date()
        last = max(_aware(s.ends_at) for s in sittings).astimezone(app.tz).date()
    else:
        first = last = batch.exam_date
    return {
        "exam_date": first,
        "exam_end": last,
        "publicity_start": batch.publicity_start,
        "publicity_end": batch.publicity_end,
        "issue_date": batch.certificates_issued_on,
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


async def derive_rows(app: App, session: AsyncSession, batch_id: int, now: datetime) -> list[BatchDeadline]:
    """Derive and upsert the batch's rows in the caller's transaction (done marks kept while the date is the same)."""
    batch = await session.get(ExamBatch, batch_id)
    if batch is None:
        return []
    try:
        profile = get_profile(batch.policy or app.settings.policy)
    except UnknownPolicy:
        log.warning("batch %s: unknown policy profile, no deadlines", batch_id)
        return []
    derived = await batch_deadlines(session, profile, await batch_events(app, session, batch))
    stored = {row.rule: row for row in await rows_of(session, batch_id)}
    keep: list[BatchDeadline] = []
    for d in derived.deadlines:
        row = stored.pop(d.rule, None)
        if row is None:
            row = BatchDeadline(batch_id=batch_id, rule=d.rule, due=d.due, created_at=now)
        elif row.due != d.due:
            row.done_at, row.done_by = None, None  # a new date: the old done mark was for another date
        row.kind, row.due, row.provisional, row.anchor, row.basis = d.kind, d.due, d.provisional, d.anchor, d.basis[:500]
        row.updated_at = now
        session.add(row)
        keep.append(row)
    for gone in stored.values():  # its anchor event is no longer known
        await session.delete(gone)
    await session.flush()
    return keep


async def rows_of(session: AsyncSession, batch_id: int) -> list[BatchDeadline]:
    """The batch's stored deadlines, by date."""
    query = select(BatchDeadline).where(BatchDeadline.batch_id == batch_id).order_by(col(BatchDeadline.due), col(BatchDeadline.id))
    return list((await session.exec(query)).all())


async def refresh_batch(app: App, batch_id: int, now: datetime | None = None) -> int:
    """Re-derive the batch's deadlines from its events and re-plan their reminders (after the commit); returns how
    many deadlines the batch has."""
    moment = now or datetime.now(timezone.utc)
    async with app.sessions() as session:
        rows = await derive_rows(app, session, batch_id, moment)
        plan = [(r.rule, r.due, r.kind, r.done_at is not None) for r in rows]
        calendar = await load_calendar(session)
        await session.commit()
    if app.jobs is None:
        return len(plan)
    await app.jobs.cancel_prefix(job_prefix(batch_id))
    for rule, due, kind, done in plan:
        if kind != DUE or done:
            continue
        for lead in leads(app):
            day = due if lead == 0 else calendar.subtract_workdays(due, lead).day
            run_at = local_moment(app, day)
            if run_at > moment:
                await app.jobs.schedule(f"{job_prefix(batch_id, rule)}{lead}", run_at, REMIND_FUNC, (batch_id, rule, lead))
        first = max(local_moment(app, due + timedelta(days=1)), _next_moment(app, moment))
        await app.jobs.schedule(f"{job_prefix(batch_id, rule)}{ESCALATE}", first, ESCALATE_FUNC, (batch_id, rule))
    return len(plan)


async def refresh_provisional(app: App, now: datetime | None = None) -> int:
    """Re-derive every batch with a provisional deadline (after holiday data was loaded); returns batches refreshed."""
    async with app.sessions() as session:
        query = select(BatchDeadline.batch_id).where(col(BatchDeadline.provisional).is_(True)).distinct()
        batch_ids = sorted(int(b) for b in (await session.exec(query)).all())
    for batch_id in batch_ids:
        await refresh_batch(app, batch_id, now)
    return len(batch_ids)


def _today(app: App, now: datetime) -> date:
    return now.astimezone(app.tz).date()


def _next_moment(app: App, now: datetime) -> datetime:
    """The next reminder time of day strictly after `now`."""
    today = local_moment(app, _today(app, now))
    return today if today > now else local_moment(app, _today(app, now) + timedelta(days=1))


async def _open_row(session: AsyncSession, batch_id: int, rule: str) -> tuple[BatchDeadline, ExamBatch] | None:
    row = (await session.exec(select(BatchDeadline).where(BatchDeadline.batch_id == batch_id, BatchDeadline.rule == rule))).first()
    batch = await session.get(ExamBatch, batch_id)
    if row is None or batch is None or row.done_at is not None:
        return None
    return row, batch


def notice_params(row: BatchDeadline, batch: ExamBatch, today: date) -> dict[str, Any]:
    """What a reminder, an escalation or a list line shows of one deadline."""
    return {
        "batch_id": batch.id,
        "batch": batch.name,
        "rule": row.rule,
        "title": Label(f"deadline.{row.rule}.title"),
        "due": row.due.isoformat(),
        "basis": row.basis,
        "provisional": row.provisional,
        "days": (row.due - today).days,
        "overdue": (today - row.due).days,
        "done": row.done_at is not None,
        "not_before": row.kind != DUE,
    }


async def _send(app: App, session: AsyncSession, roles: tuple[str, ...], reply: Text, key: str) -> int:
    sent = 0
    for account in sorted(await users.by_role(session, roles), key=lambda a: a.id):
        sent += await outbox.enqueue(app, session, account.id, [reply], dedup_key=f"{key}:{account.id}")
    return sent


async def remind(app: App, batch_id: int, rule: str, lead: int, now: datetime | None = None) -> int:
    """Job: remind staff and admins of a deadline not done yet; returns notifications enqueued."""
    moment = now or datetime.now(timezone.utc)
    today = _today(app, moment)
    async with app.sessions() as session:
        found = await _open_row(session, batch_id, rule)
        if found is None:
            return 0
        row, batch = found
        if row.due < today:  # fired late, after the date: the overdue escalation speaks now
            return 0
        reply = Text("staff_deadlines.reminder", {**notice_params(row, batch, today), "lead": lead}, _done_markup(batch_id, rule))
        sent = await _send(app, session, STAFF_ROLES, reply, f"{PREFIX}:{row.id}:{lead}:{today.isoformat()}")
        await session.commit()
    return sent


async def escalate(app: App, batch_id: int, rule: str, now: datetime | None = None) -> int:
    """Job: tell admins a deadline is overdue and plan the same for tomorrow, until it is done; returns notifications."""
    moment = now or datetime.now(timezone.utc)
    today = _today(app, moment)
    async with app.sessions() as session:
        found = await _open_row(session, batch_id, rule)
        if found is None:
            return 0
        row, batch = found
        sent = 0
        if row.due < today:
            reply = Text("staff_deadlines.overdue", notice_params(row, batch, today), _done_markup(batch_id, rule))
            sent = await _send(app, session, ESCALATE_ROLES, reply, f"{PREFIX}:{row.id}:{ESCALATE}:{today.isoformat()}")
        await session.commit()
        due = row.due
    if app.jobs is not None:
        later = max(_next_moment(app, moment), local_moment(app, due + timedelta(days=1)))
        await app.jobs.schedule(f"{job_prefix(batch_id, rule)}{ESCALATE}", later, ESCALATE_FUNC, (batch_id, rule))
    return sent


def _done_markup(batch_id: int, rule: str) -> Any:
    return flow.done_markup(batch_id, rule)


@dataclass(frozen=True)
class Marked:
    """A deadline marked done: its params for the reply; `already` when it was done before."""

    params: dict[str, Any]
    already: bool = False


async def mark_done(app: App, session: AsyncSession, actor_id: int, batch_id: int, rule: str, now: datetime) -> Marked | None:
    """Mark one deadline done (audited, in the caller's transaction); None when the batch has no such deadline.
    Call `stop_jobs` after the commit."""
    row = next((r for r in await rows_of(session, batch_id) if r.rule.lower() == rule.lower()), None)
    batch = await session.get(ExamBatch, batch_id)
    if row is None or batch is None:
        return None
    rule = row.rule
    today = _today(app, now)
    if row.done_at is not None:
        return Marked(notice_params(row, batch, today), already=True)
    row.done_at, row.done_by, row.updated_at = now, actor_id, now
    session.add(row)
    await audit.record(session, actor_id, "deadline_done", "batch_deadline", row.id or 0, {"done": False},
                       {"batch_id": batch_id, "rule": rule, "due": row.due.isoformat(), "done": True})
    return Marked(notice_params(row, batch, today))


async def stop_jobs(app: App, batch_id: int, rule: str) -> int:  # `rule` as stored (Marked.params["rule"])
    """Drop a deadline's reminders and escalation (after it was marked done); returns jobs removed."""
    if app.jobs is None:
        return 0
    return await app.jobs.cancel_prefix(job_prefix(batch_id, rule))


async def listing(app: App, session: AsyncSession, batch_id: int | None, now: datetime) -> list[dict[str, Any]]:
    """Per batch: its deadlines (one batch: all of them; else batches with open deadlines, their open ones)."""
    today = _today(app, now)
    query = select(BatchDeadline).order_by(col(BatchDeadline.batch_id), col(BatchDeadline.due), col(BatchDeadline.id))
    if batch_id is not None:
        query = query.where(BatchDeadline.batch_id == batch_id)
    else:
        query = query.where(col(BatchDeadline.done_at).is_(None), BatchDeadline.kind == DUE)
    groups: dict[int, dict[str, Any]] = {}
    for row in (await session.exec(query)).all():
        group = groups.get(row.batch_id)
        if group is None:
            batch = await session.get(ExamBatch, row.batch_id)
            if batch is None:
                continue
            group = groups[row.batch_id] = {"id": row.batch_id, "name": batch.name, "items": [], "_batch": batch}
        group["items"].append(notice_params(row, group["_batch"], today))
    result = []
    for group in groups.values():
        group.pop("_batch")
        result.append(group)
    return result
