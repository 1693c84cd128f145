"""Candidate reminders persisted in the scheduler: the day before and shortly before each exam session.

Jobs are `rem:{ticket_id}:{session_id}:day` and `rem:{ticket_id}:{session_id}:hour`. `schedule_ticket` replaces a
ticket's jobs from the current seats and session times (call it after issuing, withdrawing or voiding), and
`reschedule_batch` does so for a whole batch after its times or rooms change. A fired job re-reads everything and
only enqueues the message into the outbox; it never talks to Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services import outbox
from bot.settings import Settings
from flows.replies import Label, Reply, Text
from storage.models import Application, ExamBatch, ExamRoom, ExamSession, Occupation, Seat, Ticket, utcnow

log = logging.getLogger(__name__)

FIRE_REMINDER = "bot.scheduler.jobs:fire_reminder"
DAY = "day"
HOUR = "hour"
KINDS = (DAY, HOUR)
EARLY_TOLERANCE = timedelta(minutes=10)  # a job firing earlier than this before its slot belongs to an old time


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out: local time on the day before, and how long before the start."""

    day_before_at: time
    lead: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        """The policy configured by REMINDER_DAY_BEFORE_AT ("HH:MM") and REMINDER_LEAD_MINUTES (0 disables it)."""
        return cls(time.fromisoformat(settings.reminder_day_before_at), timedelta(minutes=settings.reminder_lead_minutes))


@dataclass(frozen=True)
class SessionTime:
    """One session a ticket has a seat in, with its start time."""

    session_id: int
    starts_at: datetime


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder job to schedule."""

    job_id: str
    run_at: datetime
    kind: str
    session_id: int


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime (naive values are taken as UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def job_prefix(ticket_id: int) -> str:
    """Prefix shared by every reminder job of a ticket."""
    return f"rem:{ticket_id}:"


def job_id(ticket_id: int, session_id: int, kind: str) -> str:
    """Job id of one reminder."""
    return f"{job_prefix(ticket_id)}{session_id}:{kind}"


def day_before_time(starts_at: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """The day-before reminder moment (UTC): the policy's local time on the calendar day before the session."""
    local_day = as_utc(starts_at).astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(local_day, policy.day_before_at, tzinfo=tz).astimezone(timezone.utc)


def hour_before_time(starts_at: datetime, policy: ReminderPolicy) -> datetime | None:
    """The short reminder moment (UTC), or None when the lead time is disabled (zero or negative)."""
    if policy.lead <= timedelta(0):
        return None
    return as_utc(starts_at) - policy.lead


def plan_reminders(
    ticket_id: int, sessions: Iterable[SessionTime], now: datetime, tz: ZoneInfo, policy: ReminderPolicy
) -> list[PlannedReminder]:
    """The reminders still in the future for a ticket's sessions, ordered by time (pure).

    The day-before reminder is dropped when it has passed or would not come before the short one.
    """
    now = as_utc(now)
    planned: list[PlannedReminder] = []
    seen: set[int] = set()
    for item in sessions:
        if item.session_id in seen:
            continue
        seen.add(item.session_id)
        hour_at = hour_before_time(item.starts_at, policy)
        day_at = day_before_time(item.starts_at, tz, policy)
        if day_at > now and day_at < (hour_at or as_utc(item.starts_at)):
            planned.append(PlannedReminder(job_id(ticket_id, item.session_id, DAY), day_at, DAY, item.session_id))
        if hour_at is not None and hour_at > now:
            planned.append(PlannedReminder(job_id(ticket_id, item.session_id, HOUR), hour_at, HOUR, item.session_id))
    return sorted(planned, key=lambda p: (p.run_at, p.job_id))


def still_due(kind: str, starts_at: datetime, now: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> bool:
    """Whether a reminder firing at `now` still makes sense for a session starting at `starts_at` (pure).

    Late reminders are sent (the scheduler may have been down) until the session starts, except a day-before
    reminder once the short one is due. A reminder firing well before its slot belongs to an older time of a
    moved session and is dropped (the rescheduled job will remind).
    """
    now, starts_at = as_utc(now), as_utc(starts_at)
    if now >= starts_at or kind not in KINDS:
        return False
    hour_at = hour_before_time(starts_at, policy)
    if kind == HOUR:
        return hour_at is not None and now >= hour_at - EARLY_TOLERANCE
    if now < day_before_time(starts_at, tz, policy) - EARLY_TOLERANCE:
        return False
    return hour_at is None or now < hour_at


@dataclass(frozen=True)
class TicketPlan:
    """What scheduling needs to know about one ticket."""

    ticket_id: int
    eligible: bool
    sessions: tuple[SessionTime, ...]


def is_eligible(ticket: Ticket, application: Application | None) -> bool:
    """A ticket gets reminders when it is active and issued and its application is approved."""
    return ticket.status == "active" and ticket.issued_at is not None and application is not None and application.status == "approved"


async def load_plans(session: AsyncSession, *, ticket_id: int | None = None, batch_id: int | None = None) -> list[TicketPlan]:
    """The ticket (or every ticket of the batch) with eligibility and seated session times."""
    if (ticket_id is None) == (batch_id is None):
        raise ValueError("give exactly one of ticket_id and batch_id")
    query = select(Ticket, Application).join(Application, Application.id == Ticket.application_id, isouter=True)
    query = query.where(Ticket.id == ticket_id) if ticket_id is not None else query.where(Ticket.batch_id == batch_id)
    rows = (await session.exec(query)).all()
    ids = [t.id for t, _ in rows if t.id is not None]
    times: dict[int, list[SessionTime]] = {i: [] for i in ids}
    if ids:
        seats = select(Seat.ticket_id, ExamSession.id, ExamSession.starts_at).join(ExamSession, ExamSession.id == Seat.session_id)
        seated = seats.where(Seat.ticket_id.in_(ids))  # type: ignore[attr-defined]
        for tid, sid, starts_at in (await session.exec(seated)).all():
            times[tid].append(SessionTime(sid, as_utc(starts_at)))
    return [TicketPlan(t.id, is_eligible(t, a), tuple(times[t.id])) for t, a in rows if t.id is not None]


async def _apply(app: App, plans: list[TicketPlan]) -> int:
    """Replace each ticket's jobs by its plan (after the reading session is closed); returns jobs scheduled."""
    jobs = app.jobs
    if jobs is None:
        return 0
    policy = ReminderPolicy.from_settings(app.settings)
    now = utcnow()
    count = 0
    for plan in plans:
        await jobs.cancel_prefix(job_prefix(plan.ticket_id))
        if not plan.eligible:
            continue
        for item in plan_reminders(plan.ticket_id, plan.sessions, now, app.tz, policy):
            await jobs.schedule(item.job_id, item.run_at, FIRE_REMINDER, (plan.ticket_id, item.session_id, item.kind))
            count += 1
    return count


async def schedule_ticket(app: App, ticket_id: int) -> int:
    """Replace the ticket's reminder jobs from its current seats; returns how many were scheduled.

    A ticket that is void, not issued or whose application is no longer approved just loses its jobs. Does nothing
    and returns 0 when no scheduler is running (`app.jobs` is None). Call it after the commit, not inside a transaction.
    """
    if app.jobs is None:
        return 0
    async with app.sessions() as session:
        plans = await load_plans(session, ticket_id=ticket_id)
    return await _apply(app, plans)


async def cancel_ticket(app: App, ticket_id: int) -> int:
    """Remove every reminder job of the ticket; returns how many. 0 and nothing done when `app.jobs` is None."""
    if app.jobs is None:
        return 0
    return await app.jobs.cancel_prefix(job_prefix(ticket_id))


async def reschedule_batch(app: App, batch_id: int) -> int:
    """Replace the reminder jobs of every ticket of the batch (after times or rooms changed); returns jobs scheduled.

    Active issued tickets with approved applications get fresh jobs, the others lose theirs. Does nothing and returns
    0 when no scheduler is running (`app.jobs` is None). Call it after the commit, not inside a transaction.
    """
    if app.jobs is None:
        return 0
    async with app.sessions() as session:
        plans = await load_plans(session, batch_id=batch_id)
    return await _apply(app, plans)


@dataclass(frozen=True)
class ReminderFacts:
    """Everything one reminder message shows."""

    user_id: int
    ticket_number: str
    occupation: str
    work_type: str
    level: int
    subject: str
    starts_at: datetime
    ends_at: datetime
    site: str
    room: str
    seat: int


async def load_facts(session: AsyncSession, ticket_id: int, session_id: int) -> ReminderFacts | None:
    """The reminder's facts, or None when it must not be sent (ticket void or not issued, application not approved, no seat)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    application = await session.get(Application, ticket.application_id)
    if not is_eligible(ticket, application):
        return None
    seat = (await session.exec(select(Seat).where(Seat.ticket_id == ticket_id, Seat.session_id == session_id))).first()
    if seat is None:
        return None
    exam = await session.get(ExamSession, session_id)
    room = await session.get(ExamRoom, seat.room_id)
    batch = await session.get(ExamBatch, ticket.batch_id)
    occupation = await session.get(Occupation, batch.occupation_id) if batch is not None else None
    if exam is None or room is None or batch is None or occupation is None:
        return None
    return ReminderFacts(
        user_id=ticket.user_id,
        ticket_number=ticket.number,
        occupation=occupation.name,
        work_type=occupation.work_type,
        level=batch.level,
        subject=exam.subject,
        starts_at=as_utc(exam.starts_at),
        ends_at=as_utc(exam.ends_at),
        site=exam.site,
        room=room.name,
        seat=seat.number,
    )


def subject_label(subject: str) -> Label:
    """The localized name of an exam subject (the code itself for an unknown one)."""
    if subject == "theory":
        return Label("reminder.subject_theory")
    if subject == "practical":
        return Label("reminder.subject_practical")
    if subject == "comprehensive":
        return Label("reminder.subject_comprehensive")
    return Label(raw=subject)


def reminder_message(kind: str, facts: ReminderFacts, tz: ZoneInfo) -> Text:
    """The neutral reminder text for `kind` ("day" or "hour"), times shown in `tz`."""
    start, end = facts.starts_at.astimezone(tz), facts.ends_at.astimezone(tz)
    params = {
        "ticket": facts.ticket_number,
        "occupation": facts.occupation,
        "work_type": facts.work_type,
        "level": Label(f"level.{facts.level}"),
        "subject": subject_label(facts.subject),
        "date": start.strftime("%Y-%m-%d"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "site": facts.site,
        "room": facts.room,
        "seat": facts.seat,
    }
    if kind == DAY:
        return Text("reminder.day_before", params)
    return Text("reminder.hour_before", params)


def dedup_key(ticket_id: int, session_id: int, kind: str, starts_at: datetime) -> str:
    """Once-only key of a reminder: a moved session can be reminded again, a double fire cannot send twice."""
    return f"rem:{ticket_id}:{session_id}:{kind}:{int(as_utc(starts_at).timestamp())}"


async def fire(app: App, ticket_id: int, session_id: int, kind: str, now: datetime | None = None) -> int:
    """Enqueue the reminder if it still applies; returns the notifications added (0 when skipped or already sent)."""
    if kind not in KINDS:
        log.warning("unknown reminder kind %r for ticket %s", kind, ticket_id)
        return 0
    policy = ReminderPolicy.from_settings(app.settings)
    async with app.sessions() as session:
        facts = await load_facts(session, ticket_id, session_id)
        moment = as_utc(now or utcnow())
        if facts is None or not still_due(kind, facts.starts_at, moment, app.tz, policy):
            log.info("reminder %s skipped", job_id(ticket_id, session_id, kind))
            return 0
        replies: list[Reply] = [reminder_message(kind, facts, app.tz)]
        key = dedup_key(ticket_id, session_id, kind, facts.starts_at)
        added = await outbox.enqueue(app, session, facts.user_id, replies, dedup_key=key)
        try:
            await session.commit()
        except IntegrityError:  # a concurrent fire of the same reminder committed first
            await session.rollback()
            return 0
    log.info("reminder %s enqueued (%d new)", job_id(ticket_id, session_id, kind), added)
    return added
