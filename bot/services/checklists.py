"""Timed exam-day checklists (DOMAIN C1–C10, 001 监考人员守则): planned per sitting, sent at each moment, ticked by the
proctors and assessors, escalated when items stay open.

Jobs of a sitting (a `exam_day.SittingPlanner`): `ck:<session>:<moment>` sends the moment's checklist and
`ck:<session>:<moment>:chief|staff` escalate its open items CHECKLIST_ESCALATE_CHIEF_MINUTES / ..._STAFF_MINUTES
later. Planning again drops the sitting's jobs and schedules the moments still ahead; jobs carry ids only and read the
current rooms, assignments and ticks when they fire. Messages go through the outbox under dedup keys per sitting,
moment, room, role, person and the moment's time: a double fire, a restart or a re-plan never sends one twice, a
moved sitting gets its checklists at the new times. A moment missed while the bot was down is sent once, marked
late, until the sitting ends; escalations are sent late up to STALE_ESCALATION after they were due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules import checklist as rules
from bot.rules.checklist import ASSESSOR, CHIEF, DEPUTY, Moment
from bot.services import outbox
from bot.services.batches import person
from bot.services.reminders import as_utc
from bot.settings import Settings
from flows import checklist as flow
from flows.checklist import (
    GONE,
    REFRESHED,
    REFUSED,
    TICKED,
    UNCHANGED,
    UNTICKED,
    ChecklistView,
    ItemState,
    OpenRoom,
    OverviewView,
    Press,
    PressResult,
    Refresh,
    RoomLine,
    Sitting,
)
from flows.menu import STAFF_ROLES
from storage.models import ChecklistTick, ExamBatch, ExamRoom, ExamSession, Seat, Ticket, utcnow
from storage.repositories import audit, batches, users

log = logging.getLogger(__name__)

FIRE_MOMENT = "bot.scheduler.checklist_jobs:fire_moment"
ESCALATE = "bot.scheduler.checklist_jobs:escalate"
CHIEF_LEVEL, STAFF_LEVEL = "chief", "staff"
LEVELS = (CHIEF_LEVEL, STAFF_LEVEL)
ON_TIME = timedelta(minutes=5)  # a checklist sent later than this after its moment says it is late
EARLY_TOLERANCE = timedelta(minutes=1)  # a job firing earlier than this before its slot belongs to an older time
STALE_ESCALATION = timedelta(hours=12)  # an escalation this overdue (the bot was down) is no longer sent
EARLY, DUE, LATE, OVER = "early", "due", "late", "over"
ASSESSOR_RULE = "C10"  # the assessors' items (考评人员守则 §2) come at the first moment under their own rule


# --- planning -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedJob:
    """A job to schedule: explicit id, when, and its primitive arguments."""

    job_id: str
    run_at: datetime
    func: str
    args: tuple[int | str, ...]


def job_prefix(session_id: int) -> str:
    """Prefix shared by every checklist job of a sitting."""
    return f"ck:{session_id}:"


def moment_job_id(session_id: int, code: str) -> str:
    """Job id of a moment's checklist."""
    return f"{job_prefix(session_id)}{code}"


def escalation_job_id(session_id: int, code: str, level: str) -> str:
    """Job id of a moment's escalation to the chief proctors or to staff."""
    return f"{moment_job_id(session_id, code)}:{level}"


def escalation_delays(settings: Settings) -> dict[str, timedelta]:
    """Delay after the moment of each escalation level; a level set to 0 minutes (or less) is off."""
    minutes = {CHIEF_LEVEL: settings.checklist_escalate_chief_minutes, STAFF_LEVEL: settings.checklist_escalate_staff_minutes}
    return {level: timedelta(minutes=m) for level, m in minutes.items() if m > 0}


def plan(
    session_id: int, starts_at: datetime, ends_at: datetime, now: datetime, delays: dict[str, timedelta]
) -> list[PlannedJob]:
    """The jobs of a sitting still ahead at `now`, by time (pure): each future moment and its escalations."""
    starts_at, ends_at, now = as_utc(starts_at), as_utc(ends_at), as_utc(now)
    jobs: list[PlannedJob] = []
    for moment in rules.MOMENTS:
        at = moment.at(starts_at, ends_at)
        if at <= now:
            continue  # a moment already past is not sent when planned late; its escalations go with it
        jobs.append(PlannedJob(moment_job_id(session_id, moment.code), at, FIRE_MOMENT, (session_id, moment.code)))
        for level, delay in delays.items():
            jobs.append(PlannedJob(escalation_job_id(session_id, moment.code, level), at + delay, ESCALATE, (session_id, moment.code, level)))
    return sorted(jobs, key=lambda j: (j.run_at, j.job_id))


async def plan_sitting(app: App, session_id: int, starts_at: datetime, ends_at: datetime, now: datetime | None = None) -> int:
    """Replace the sitting's checklist jobs by those still ahead; returns how many were scheduled (0 without a scheduler)."""
    jobs = app.jobs
    if jobs is None:
        return 0
    await jobs.cancel_prefix(job_prefix(session_id))
    planned = plan(session_id, starts_at, ends_at, now or utcnow(), escalation_delays(app.settings))
    for job in planned:
        await jobs.schedule(job.job_id, job.run_at, job.func, job.args)
    return len(planned)


async def cancel_sitting(app: App, session_id: int) -> int:
    """Drop every checklist job of the sitting; returns how many (0 without a scheduler)."""
    if app.jobs is None:
        return 0
    return await app.jobs.cancel_prefix(job_prefix(session_id))


def timing(at: datetime, ends_at: datetime, now: datetime) -> str:
    """Whether a moment's checklist firing at `now` is EARLY (an older time of a moved sitting), DUE, LATE or OVER (pure).

    Late: more than ON_TIME after the moment and the sitting has not ended; over: after the end (the E moment itself
    keeps ON_TIME).
    """
    at, ends_at, now = as_utc(at), as_utc(ends_at), as_utc(now)
    if now < at - EARLY_TOLERANCE:
        return EARLY
    if now > max(ends_at, at + ON_TIME):
        return OVER
    return LATE if now > at + ON_TIME else DUE


def escalation_due(due_at: datetime, now: datetime) -> bool:
    """Whether an escalation firing at `now` is still to be sent (not early, not stale) (pure)."""
    due_at, now = as_utc(due_at), as_utc(now)
    return due_at - EARLY_TOLERANCE <= now <= due_at + STALE_ESCALATION


# --- loading --------------------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    """A sitting as the checklists see it: its batch, rooms in order, ticks by (room, item), people's names."""

    exam: ExamSession
    batch: ExamBatch
    rooms: list[ExamRoom]
    ticks: dict[tuple[int, str], ChecklistTick]
    names: dict[int, str]

    @property
    def starts_at(self) -> datetime:
        """Start (UTC)."""
        return as_utc(self.exam.starts_at)

    @property
    def ends_at(self) -> datetime:
        """End (UTC)."""
        return as_utc(self.exam.ends_at)

    def name(self, user_id: int | None) -> str:
        """How an examiner is shown; empty when there is nobody."""
        if not user_id:
            return ""
        return self.names.get(user_id) or f"#{user_id}"

    def room(self, room_id: int) -> ExamRoom | None:
        """One room of the sitting."""
        return next((r for r in self.rooms if r.id == room_id), None)


async def load(session: AsyncSession, session_id: int) -> Loaded | None:
    """The sitting with its batch, rooms, ticks and the names of examiners and tickers; None when it is gone."""
    exam = await session.get(ExamSession, session_id)
    batch = await session.get(ExamBatch, exam.batch_id) if exam is not None else None
    if exam is None or batch is None:
        return None
    query = select(ExamRoom).where(ExamRoom.session_id == session_id).order_by(col(ExamRoom.position), col(ExamRoom.id))
    rooms = list((await session.exec(query)).all())
    ticks = {(t.room_id, t.item): t for t in (await session.exec(select(ChecklistTick).where(ChecklistTick.session_id == session_id))).all()}
    ids = {i for r in rooms for i in (r.chief_id, r.deputy_id) if i} | {t.user_id for t in ticks.values()}
    accounts = await batches.users_by_ids(session, sorted(ids))
    names = {uid: person(account, uid) for uid, account in accounts.items()}
    return Loaded(exam, batch, rooms, ticks, names)


def _local(app: App, moment: datetime) -> datetime:
    return as_utc(moment).astimezone(app.tz)


def sitting_of(app: App, loaded: Loaded) -> Sitting:
    """Subject, site and local date of the sitting."""
    return Sitting(loaded.exam.subject, loaded.exam.site, _local(app, loaded.starts_at).date().isoformat())


def room_view(app: App, loaded: Loaded, room: ExamRoom, moment: Moment, role: str, late: bool = False) -> ChecklistView | None:
    """The checklist of `role` in `room` at `moment` with what is ticked so far; None when the role has no items then."""
    items = rules.items_for(moment.code, role, room.kind)
    if not items:
        return None
    states = []
    for item in items:
        tick = loaded.ticks.get((room.id or 0, item.key))
        if tick is None:
            states.append(ItemState(item.key))
        else:
            states.append(ItemState(item.key, True, loaded.name(tick.user_id), f"{_local(app, tick.ticked_at):%H:%M}"))
    at = moment.at(loaded.starts_at, loaded.ends_at)
    rule = ASSESSOR_RULE if role == ASSESSOR else moment.rule
    return ChecklistView(sitting_of(app, loaded), room.id or 0, room.name, rule, f"{_local(app, at):%H:%M}", role, tuple(states), late)


async def _seated(session: AsyncSession, session_id: int) -> dict[int, int]:
    """Candidates seated per room of the sitting (active tickets only)."""
    query = (
        select(Seat.room_id, func.count(col(Seat.id)))
        .join(Ticket, col(Ticket.id) == col(Seat.ticket_id))
        .where(Seat.session_id == session_id, Ticket.status == "active")
        .group_by(col(Seat.room_id))
    )
    return {room_id: int(count) for room_id, count in (await session.exec(query)).all()}


async def overview_view(app: App, session: AsyncSession, loaded: Loaded, moment: Moment, now: datetime, late: bool = False) -> OverviewView:
    """The supervisor's overview at `moment`: per room the examiners, the seated count and the items ticked of those
    due so far (every moment up to `moment` or `now`, whichever is later)."""
    until = max(as_utc(now), moment.at(loaded.starts_at, loaded.ends_at))
    due = [m.code for m in rules.MOMENTS if m.at(loaded.starts_at, loaded.ends_at) <= until]
    seated = await _seated(session, loaded.exam.id or 0)
    lines = []
    for room in loaded.rooms:
        keys = [i.key for code in due for i in rules.room_items(code, room.kind)]
        done = sum(1 for key in keys if (room.id or 0, key) in loaded.ticks)
        lines.append(RoomLine(room.name, loaded.name(room.chief_id), loaded.name(room.deputy_id), seated.get(room.id or 0, 0), done, len(keys)))
    at = moment.at(loaded.starts_at, loaded.ends_at)
    return OverviewView(sitting_of(app, loaded), loaded.exam.id or 0, moment.code, moment.rule, f"{_local(app, at):%H:%M}", tuple(lines), late)


def open_items(loaded: Loaded, room: ExamRoom, code: str) -> tuple[str, ...]:
    """Keys of the room's items of a moment not ticked yet (every role's, as escalations check them)."""
    return tuple(i.key for i in rules.room_items(code, room.kind) if (room.id or 0, i.key) not in loaded.ticks)


# --- jobs -----------------------------------------------------------------------------------------------------------


async def _commit(session: AsyncSession, what: str) -> bool:
    """Commit the enqueued messages; False when a concurrent run of the same job committed them first."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        log.info("%s: already enqueued by a concurrent run", what)
        return False
    return True


async def fire_moment(app: App, session_id: int, code: str, now: datetime | None = None) -> int:
    """Enqueue the moment's checklists (chief, deputy, assessors) and the supervisor's overview; returns messages added."""
    moment = rules.moment(code)
    if moment is None:
        log.warning("unknown checklist moment %r of session %s", code, session_id)
        return 0
    current = as_utc(now or utcnow())
    job = moment_job_id(session_id, code)
    async with app.sessions() as session:
        loaded = await load(session, session_id)
        if loaded is None:
            log.info("checklist %s skipped: the sitting is gone", job)
            return 0
        at = moment.at(loaded.starts_at, loaded.ends_at)
        when = timing(at, loaded.ends_at, current)
        if when in (EARLY, OVER):
            log.info("checklist %s skipped (%s)", job, when)
            return 0
        late, stamp, added = when == LATE, int(at.timestamp()), 0
        for room in loaded.rooms:
            people = [(CHIEF, room.chief_id), (DEPUTY, room.deputy_id)] + [(ASSESSOR, a) for a in loaded.batch.assessor_ids]
            for role, user_id in people:
                view = room_view(app, loaded, room, moment, role, late) if user_id else None
                if view is None or not user_id:
                    continue
                key = f"ck:{session_id}:{code}:{room.id}:{role[0]}:{user_id}:{stamp}"
                added += await outbox.enqueue(app, session, user_id, [flow.checklist_message(view)], dedup_key=key)
        supervisor = loaded.batch.supervisor_id
        if code in rules.SUPERVISOR_MOMENTS and supervisor:
            overview = await overview_view(app, session, loaded, moment, current, late)
            key = f"ck:{session_id}:{code}:ov:{supervisor}:{stamp}"
            added += await outbox.enqueue(app, session, supervisor, [flow.overview_message(overview)], dedup_key=key)
        if not await _commit(session, job):
            return 0
    log.info("checklist %s enqueued (%d new%s)", job, added, ", late" if late else "")
    return added


async def escalate(app: App, session_id: int, code: str, level: str, now: datetime | None = None) -> int:
    """Enqueue the escalation of a moment's open items to the rooms' chief proctors or to every staff member and admin;
    nothing when every item is ticked. Returns messages added."""
    moment = rules.moment(code)
    delay = escalation_delays(app.settings).get(level)
    job = escalation_job_id(session_id, code, level)
    if moment is None or delay is None:
        log.info("escalation %s skipped: unknown moment or level off", job)
        return 0
    current = as_utc(now or utcnow())
    async with app.sessions() as session:
        loaded = await load(session, session_id)
        if loaded is None:
            return 0
        at = moment.at(loaded.starts_at, loaded.ends_at)
        if not escalation_due(at + delay, current):
            log.info("escalation %s skipped (not due)", job)
            return 0
        rooms = [(room, open_items(loaded, room, code)) for room in loaded.rooms]
        rooms = [(room, keys) for room, keys in rooms if keys]
        if not rooms:
            return 0
        sitting, time, minutes = sitting_of(app, loaded), f"{_local(app, at):%H:%M}", int(delay.total_seconds() // 60)
        stamp, added = int(at.timestamp()), 0
        if level == CHIEF_LEVEL:
            for room, keys in rooms:
                if not room.chief_id:
                    continue
                text = flow.escalation_chief(sitting, moment.rule, time, minutes, OpenRoom(room.name, loaded.name(room.chief_id), keys))
                key = f"ck:{session_id}:{code}:e:{room.id}:{room.chief_id}:{stamp}"
                added += await outbox.enqueue(app, session, room.chief_id, [text], dedup_key=key)
        else:
            listed = tuple(OpenRoom(room.name, loaded.name(room.chief_id), keys) for room, keys in rooms)
            text = flow.escalation_staff(sitting, moment.rule, time, minutes, listed)
            for account in await users.by_role(session, STAFF_ROLES):
                key = f"ck:{session_id}:{code}:s:{account.id}:{stamp}"
                added += await outbox.enqueue(app, session, account.id, [text], dedup_key=key)
        if not await _commit(session, job):
            return 0
    log.info("escalation %s enqueued (%d new)", job, added)
    return added


# --- pressing -------------------------------------------------------------------------------------------------------


def role_in_room(user_id: int, item: rules.Item, room: ExamRoom, batch: ExamBatch) -> str | None:
    """The role in which the user ticks this item of the room: assessors of the batch tick C10 items, the room's chief
    and deputy proctor the others; None for anyone else."""
    if item.role == ASSESSOR:
        return ASSESSOR if user_id in batch.assessor_ids else None
    if user_id == room.chief_id:
        return CHIEF
    if user_id == room.deputy_id:
        return DEPUTY
    return None


async def press(app: App, session: AsyncSession, user_id: int, pressed: Press, now: datetime) -> PressResult:
    """Tick or untick an item of a room for the user (audited, committed) and return the checklist to show again.

    A press that asks for the state the item already has (a stale button: the other proctor was quicker) changes
    nothing and shows who ticked it.
    """
    item = rules.item(pressed.item)
    found = await batches.room(session, pressed.room_id)
    if item is None or found is None:
        return PressResult(GONE)
    room, exam = found
    batch = await session.get(ExamBatch, exam.batch_id)
    moment = rules.moment(item.moment)
    if batch is None or moment is None or (item.computer_only and room.kind != "computer"):
        return PressResult(GONE)
    role = role_in_room(user_id, item, room, batch)
    if role is None:
        return PressResult(REFUSED)
    room_id, session_id = room.id or 0, exam.id or 0
    existing = (await session.exec(select(ChecklistTick).where(ChecklistTick.room_id == room_id, ChecklistTick.item == item.key))).first()
    facts = {"session": session_id, "room": room_id, "item": item.key}
    outcome = UNCHANGED
    if pressed.tick and existing is None:
        session.add(ChecklistTick(session_id=session_id, room_id=room_id, item=item.key, user_id=user_id, ticked_at=now))
        await audit.record(session, user_id, "checklist_tick", "checklist_tick", f"{room_id}:{item.key}", None, {**facts, "at": now.isoformat()})
        outcome = TICKED
    elif not pressed.tick and existing is not None:
        before = {**facts, "by": existing.user_id, "at": as_utc(existing.ticked_at).isoformat()}
        await session.delete(existing)
        await audit.record(session, user_id, "checklist_untick", "checklist_tick", f"{room_id}:{item.key}", before, None)
        outcome = UNTICKED
    if not await _commit(session, f"tick {room_id}:{item.key}"):
        outcome = UNCHANGED  # the other proctor ticked it at the same moment
    loaded = await load(session, session_id)
    shown = loaded.room(room_id) if loaded is not None else None
    view = room_view(app, loaded, shown, moment, role) if loaded is not None and shown is not None else None
    return PressResult(outcome, item.key, view)


async def refresh(app: App, session: AsyncSession, user_id: int, user_role: str, pressed: Refresh, now: datetime) -> PressResult:
    """The supervisor's overview again, as of now (the batch's supervisor, staff and admins only)."""
    moment = rules.moment(pressed.moment)
    loaded = await load(session, pressed.session_id)
    if moment is None or loaded is None:
        return PressResult(GONE)
    if user_id != loaded.batch.supervisor_id and user_role not in STAFF_ROLES:
        return PressResult(REFUSED)
    return PressResult(REFRESHED, "", await overview_view(app, session, loaded, moment, now))
