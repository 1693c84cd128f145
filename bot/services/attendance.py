"""Attendance at a sitting (DOMAIN C6, C7): the five-point check per seated candidate, suspected impersonation and
absentees, one `Attendance` row per seat.

Who may record: the chief or deputy proctor of the seat's room, the batch supervisor, staff and admins — only while
the sitting is in progress (from T-40, when the proctors are on duty (C1), until the end E); absentees only from T+30
(C7: no more entry). A `mismatch` (人证不符) is reported at once through the outbox to the room's chief proctor, the
batch supervisor and every staff member and admin (C6). Every change is audited with the status before and after.

One job per sitting (an `exam_day.SittingPlanner`): `att:<session_id>` at T+30 sends each room's chief and deputy the
seated candidates not recorded yet, with a button per candidate and one for all of them. A job missed while the bot
was down is sent once, late, until the sitting ends; dedup keys make it once per person, room and start time.
The room record (C9) is assembled from these rows: the status values below are its contract.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.normalize import compact
from bot.pii import mask_id_number, mask_name
from bot.rules import ticket_numbers
from bot.services import outbox
from bot.services.batches import local, person
from bot.services.reminders import as_utc
from flows import attendance as flow
from flows.attendance import Press
from flows.menu import EXAM_ROLES, STAFF_ROLES
from flows.replies import Label
from storage.models import Application, Attendance, ExamBatch, ExamRoom, ExamSession, Seat, Ticket, UserAccount, utcnow
from storage.repositories import audit, batches, users

log = logging.getLogger(__name__)

CHECKED = "checked"  # C6 five points match: name, ticket number, seat, ID card, the person
MISMATCH = "mismatch"  # C6 suspected impersonation (人证不符), reported at once
ABSENT = "absent"  # C7 recorded absent at T+30
STATUSES = (CHECKED, MISMATCH, ABSENT)

OPENS_BEFORE = timedelta(minutes=40)  # C1: the proctors are on duty from T-40
ABSENT_AFTER = timedelta(minutes=30)  # C7: no entry after T+30, absentees are recorded
EARLY_TOLERANCE = timedelta(minutes=5)  # a T+30 job firing earlier than this belongs to an older start time
FIRE_ABSENTEES = "bot.scheduler.attendance_jobs:fire_absentees"
ENTITY = "attendance"

# outcomes of a press (flows.attendance renders them)
RECORDED, CHANGED, UNCHANGED = flow.RECORDED, flow.CHANGED, flow.UNCHANGED
GONE, DENIED, CLOSED, TOO_EARLY, TAKEN = flow.GONE, flow.DENIED, flow.CLOSED, flow.TOO_EARLY, flow.TAKEN


# --- time and authority rules (pure) ---------------------------------------------------------------------------------


def job_id(session_id: int) -> str:
    """Job id of a sitting's T+30 absentee list."""
    return f"att:{session_id}"


def in_progress(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """True from T-40 until (not including) the end E: attendance can be recorded."""
    return as_utc(starts_at) - OPENS_BEFORE <= as_utc(now) < as_utc(ends_at)


def absentees_open(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """True from T+30 until the end E: absentees can be recorded (C7)."""
    return as_utc(starts_at) + ABSENT_AFTER <= as_utc(now) < as_utc(ends_at)


def may_record(user_id: int, role: str, room: ExamRoom, batch: ExamBatch) -> bool:
    """Staff and admins; the room's chief or deputy proctor; the batch supervisor (examiner roles only)."""
    if role in STAFF_ROLES:
        return True
    if role not in EXAM_ROLES:
        return False
    return user_id in (room.chief_id, room.deputy_id) or user_id == batch.supervisor_id


def normalize_number(text: str) -> str:
    """A typed ticket number without spaces, full-width digits made ASCII."""
    return compact(text)


# --- loading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A seat at a sitting with its room, sitting, ticket and batch."""

    seat: Seat
    room: ExamRoom
    exam: ExamSession
    ticket: Ticket
    batch: ExamBatch


def _usable(ticket: Ticket | None) -> bool:
    """An active, issued ticket."""
    return ticket is not None and ticket.status == "active" and ticket.issued_at is not None


async def _place(session: AsyncSession, seat: Seat | None) -> Place | None:
    if seat is None:
        return None
    room = await session.get(ExamRoom, seat.room_id)
    exam = await session.get(ExamSession, seat.session_id)
    ticket = await session.get(Ticket, seat.ticket_id)
    batch = await session.get(ExamBatch, ticket.batch_id) if ticket is not None else None
    if room is None or exam is None or ticket is None or batch is None or not _usable(ticket):
        return None
    return Place(seat, room, exam, ticket, batch)


async def place_of_seat(session: AsyncSession, seat_id: int) -> Place | None:
    """The seat with everything around it; None when it is gone or its ticket is no longer valid."""
    return await _place(session, await session.get(Seat, seat_id))


async def place_now(session: AsyncSession, ticket_id: int, now: datetime) -> Place | None:
    """The ticket's seat at a sitting in progress at `now`, if any."""
    for seat, _room, exam in await batches.seats_of_ticket(session, ticket_id):
        if in_progress(exam.starts_at, exam.ends_at, now):
            return await _place(session, seat)
    return None


async def find_ticket(session: AsyncSession, number: str) -> Ticket | None:
    """A ticket by its (normalized) number."""
    return (await session.exec(select(Ticket).where(Ticket.number == number))).first()


def looks_like_number(number: str) -> bool:
    """True for something shaped like a ticket number."""
    return ticket_numbers.looks_like(number)


def sitting_view(app: App, room: ExamRoom, exam: ExamSession, batch: ExamBatch) -> dict[str, Any]:
    """What a message shows about a room at a sitting (local times)."""
    start, end = local(app, exam.starts_at), local(app, exam.ends_at)
    return {
        "room_id": room.id, "room": room.name, "subject": Label(f"subject.{exam.subject}"), "site": exam.site,
        "date": start.date().isoformat(), "time": f"{start:%H:%M}-{end:%H:%M}", "batch": batch.name,
        "session_id": exam.id,
    }


def seat_label(room: ExamRoom, number: int) -> Label:
    """A seat's label in the room's kind: desk, computer or station with its two-digit number."""
    return Label(f"room_kind.seat_{room.kind}", {"number": f"{number:02d}"})


async def record_of(session: AsyncSession, seat_id: int) -> Attendance | None:
    """The attendance row of a seat, if recorded."""
    return (await session.exec(select(Attendance).where(Attendance.seat_id == seat_id))).first()


async def card_facts(app: App, session: AsyncSession, place: Place) -> dict[str, Any]:
    """The sitting part of the five-point check card: room, seat, time and the status recorded so far."""
    row = await record_of(session, place.seat.id or 0)
    return {
        **sitting_view(app, place.room, place.exam, place.batch), "seat_id": place.seat.id,
        "seat": seat_label(place.room, place.seat.number), "status": row.status if row else None,
    }


@dataclass(frozen=True)
class RosterLine:
    """One seated candidate of a room with the status recorded (None: not yet)."""

    seat_id: int
    seat: int
    number: str
    name: str
    id_masked: str
    status: str | None


async def roster(app: App, session: AsyncSession, room_id: int) -> list[RosterLine]:
    """The room's seated candidates (active issued tickets, approved applications) by seat number, with status."""
    query = (
        select(Seat, Ticket, Application, Attendance)
        .join(Ticket, col(Ticket.id) == col(Seat.ticket_id))
        .join(Application, col(Application.id) == col(Ticket.application_id))
        .join(Attendance, col(Attendance.seat_id) == col(Seat.id), isouter=True)
        .where(Seat.room_id == room_id, Ticket.status == "active", col(Ticket.issued_at).is_not(None),
               Application.status == "approved")
        .order_by(col(Seat.number))
    )
    lines = []
    for seat, ticket, application, row in (await session.exec(query)).all():
        masked = mask_id_number(app.cipher.decrypt(application.id_number_enc))
        lines.append(RosterLine(seat.id or 0, seat.number, ticket.number, application.name, masked, row.status if row else None))
    return lines


def counts(lines: list[RosterLine]) -> dict[str, int]:
    """How many seated candidates have each status (`none`: not yet recorded)."""
    out = {status: 0 for status in STATUSES} | {"none": 0, "total": len(lines)}
    for line in lines:
        out[line.status or "none"] += 1
    return out


async def sittings_in_progress(session: AsyncSession, now: datetime) -> list[tuple[ExamSession, ExamBatch]]:
    """Sittings of batches with issued tickets that are in progress at `now`."""
    now = as_utc(now)
    query = (
        select(ExamSession, ExamBatch)
        .join(ExamBatch, col(ExamBatch.id) == col(ExamSession.batch_id))
        .where(col(ExamBatch.tickets_issued_at).is_not(None), col(ExamSession.starts_at) <= now + OPENS_BEFORE,
               col(ExamSession.ends_at) > now)
        .order_by(col(ExamSession.starts_at), col(ExamSession.id))
    )
    return list((await session.exec(query)).all())


async def sittings_on(app: App, session: AsyncSession, day: date) -> list[tuple[ExamSession, ExamBatch]]:
    """Sittings starting on a local calendar day (batches with issued tickets)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=app.tz).astimezone(timezone.utc)
    query = (
        select(ExamSession, ExamBatch)
        .join(ExamBatch, col(ExamBatch.id) == col(ExamSession.batch_id))
        .where(col(ExamBatch.tickets_issued_at).is_not(None), col(ExamSession.starts_at) >= start,
               col(ExamSession.starts_at) < start + timedelta(days=1))
        .order_by(col(ExamSession.starts_at), col(ExamSession.id))
    )
    return list((await session.exec(query)).all())


async def sitting(session: AsyncSession, session_id: int) -> list[tuple[ExamSession, ExamBatch]]:
    """One sitting by id (a list of at most one, like the other selections)."""
    exam = await session.get(ExamSession, session_id)
    batch = await session.get(ExamBatch, exam.batch_id) if exam is not None else None
    return [(exam, batch)] if exam is not None and batch is not None else []


async def rooms_of_sittings(
    session: AsyncSession, user: UserAccount, chosen: list[tuple[ExamSession, ExamBatch]]
) -> list[tuple[ExamRoom, ExamSession, ExamBatch]]:
    """The rooms of the chosen sittings the user may record in, in sitting and room order."""
    out = []
    for exam, batch in chosen:
        for room, parent in await batches.rooms_of(session, batch.id or 0):
            if parent.id == exam.id and may_record(user.id, user.role, room, batch):
                out.append((room, exam, batch))
    return out


async def room_with_context(session: AsyncSession, room_id: int) -> tuple[ExamRoom, ExamSession, ExamBatch] | None:
    """A room with its sitting and batch."""
    found = await batches.room(session, room_id)
    if found is None:
        return None
    room, exam = found
    batch = await session.get(ExamBatch, exam.batch_id)
    return (room, exam, batch) if batch is not None else None


async def room_summary(app: App, session: AsyncSession, room: ExamRoom, exam: ExamSession, batch: ExamBatch) -> dict[str, Any]:
    """A room at a sitting: what it is, the counts per status and every seated candidate."""
    lines = await roster(app, session, room.id or 0)
    return {
        **sitting_view(app, room, exam, batch), "counts": counts(lines),
        "lines": [{"seat": seat_label(room, line.seat), "number": line.number, "name": line.name, "status": line.status}
                  for line in lines],
    }


# --- recording ---------------------------------------------------------------------------------------------------------


async def insert_or_existing(session: AsyncSession, row: Attendance) -> Attendance | None:
    """Insert a new seat's row; when another press stored one for the seat first (unique seat_id), return that one."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        found = await record_of(session, row.seat_id)
        if found is None:
            raise
        return found
    return None


async def _store(session: AsyncSession, actor: int, place: Place, status: str, now: datetime, only_new: bool) -> Press:
    """Record `status` for the seat: a new row, a changed one (audited before/after), or nothing when the same.

    `only_new`: a seat recorded already keeps its status (absentee buttons affect only those not yet recorded).
    """
    seat_id = place.seat.id or 0
    existing = await record_of(session, seat_id)
    if existing is None:
        row = Attendance(seat_id=seat_id, session_id=place.exam.id or 0, room_id=place.room.id or 0,
                         ticket_id=place.ticket.id or 0, status=status, recorded_by=actor, recorded_at=now)
        existing = await insert_or_existing(session, row)
        if existing is None:
            await audit.record(session, actor, "record_attendance", ENTITY, row.id or 0, None,
                               {"status": status, "seat": seat_id})
            return Press(RECORDED, status)
    if existing.status == status:
        return Press(UNCHANGED, status, status)
    if only_new:
        return Press(TAKEN, existing.status, existing.status)
    previous = existing.status
    existing.status, existing.recorded_by, existing.recorded_at = status, actor, now
    session.add(existing)
    await session.flush()
    await audit.record(session, actor, "change_attendance", ENTITY, existing.id or 0,
                       {"status": previous, "seat": seat_id}, {"status": status, "seat": seat_id})
    return Press(CHANGED, status, previous)


async def record(app: App, session: AsyncSession, user: UserAccount, seat_id: int, status: str, now: datetime) -> Press:
    """A ✅ / ⚠️ / absent press on a seat: checked for authority and time, stored, a mismatch reported. The caller commits."""
    place = await place_of_seat(session, seat_id)
    if place is None or status not in STATUSES:
        return Press(GONE)
    if not may_record(user.id, user.role, place.room, place.batch):
        return Press(DENIED)
    view = await _press_view(app, session, place)
    if not in_progress(place.exam.starts_at, place.exam.ends_at, now):
        return Press(CLOSED, view=view)
    if status == ABSENT and not absentees_open(place.exam.starts_at, place.exam.ends_at, now):
        opens = local(app, as_utc(place.exam.starts_at) + ABSENT_AFTER)
        return Press(TOO_EARLY, view={**view, "opens": f"{opens:%H:%M}"})
    press = await _store(session, user.id, place, status, now, only_new=status == ABSENT)
    press.view = view
    if status == MISMATCH and press.outcome in (RECORDED, CHANGED):
        press.notified = await notify_mismatch(app, session, place, user)
    return press


async def absent_all(app: App, session: AsyncSession, user: UserAccount, room_id: int, now: datetime) -> Press:
    """Record absent every candidate of the room not recorded at press time (C7). The caller commits."""
    found = await room_with_context(session, room_id)
    if found is None:
        return Press(GONE)
    room, exam, batch = found
    if not may_record(user.id, user.role, room, batch):
        return Press(DENIED)
    view = sitting_view(app, room, exam, batch)
    if not in_progress(exam.starts_at, exam.ends_at, now):
        return Press(CLOSED, view=view)
    if not absentees_open(exam.starts_at, exam.ends_at, now):
        opens = local(app, as_utc(exam.starts_at) + ABSENT_AFTER)
        return Press(TOO_EARLY, view={**view, "opens": f"{opens:%H:%M}"})
    count = 0
    for line in await roster(app, session, room_id):
        if line.status is not None:
            continue
        place = await place_of_seat(session, line.seat_id)
        if place is not None and (await _store(session, user.id, place, ABSENT, now, only_new=True)).outcome == RECORDED:
            count += 1
    return Press(RECORDED if count else UNCHANGED, ABSENT, view=view, count=count)


async def _press_view(app: App, session: AsyncSession, place: Place) -> dict[str, Any]:
    """What the answer to a press shows: room, seat, ticket number and the candidate's name."""
    application = await session.get(Application, place.ticket.application_id)
    return {**sitting_view(app, place.room, place.exam, place.batch), "seat": seat_label(place.room, place.seat.number),
            "number": place.ticket.number, "name": application.name if application else ""}


async def notify_mismatch(app: App, session: AsyncSession, place: Place, reporter: UserAccount) -> int:
    """Tell the room's chief proctor, the batch supervisor and all staff and admins (not the reporter) at once."""
    application = await session.get(Application, place.ticket.application_id)
    if application is None:
        return 0
    recipients = {i for i in (place.room.chief_id, place.batch.supervisor_id) if i}
    recipients |= {u.id for u in await users.by_role(session, STAFF_ROLES)}
    recipients.discard(reporter.id)
    params = {
        **sitting_view(app, place.room, place.exam, place.batch), "seat": seat_label(place.room, place.seat.number),
        "number": place.ticket.number, "name": mask_name(application.name),
        "id_type": Label(f"id_type.{application.id_type}"),
        "id_number": mask_id_number(app.cipher.decrypt(application.id_number_enc)), "reporter": person(reporter),
    }
    added = 0
    for chat_id in sorted(recipients):
        key = f"fpx:{place.seat.id}:{chat_id}"
        added += await outbox.enqueue(app, session, chat_id, [flow.mismatch_notice(params)], dedup_key=key)
    log.info("suspected impersonation reported at seat %s (%d notices)", place.seat.id, added)
    return added


# --- the T+30 absentee list (C7) -------------------------------------------------------------------------------------


async def plan_sitting(app: App, session_id: int, starts_at: datetime, ends_at: datetime) -> int:
    """Schedule (or replace) the sitting's T+30 absentee list; a sitting already over loses it. Returns jobs scheduled."""
    jobs = app.jobs
    if jobs is None:
        return 0
    if as_utc(ends_at) <= utcnow():
        await jobs.cancel(job_id(session_id))
        return 0
    await jobs.schedule(job_id(session_id), as_utc(starts_at) + ABSENT_AFTER, FIRE_ABSENTEES, (session_id,))
    return 1


async def cancel_sitting(app: App, session_id: int) -> int:
    """Drop the sitting's absentee-list job; returns the jobs removed."""
    if app.jobs is None:
        return 0
    return int(await app.jobs.cancel(job_id(session_id)))


async def fire_absentees(app: App, session_id: int, now: datetime | None = None) -> int:
    """At T+30: each room's chief and deputy get the seated candidates not recorded yet; returns notifications added.

    Sent late (the bot was down) until the sitting ends; a fire well before T+30 belongs to an older start and is
    dropped. A room whose candidates are all recorded gets a short all-clear.
    """
    moment = as_utc(now or utcnow())
    async with app.sessions() as session:
        exam = await session.get(ExamSession, session_id)
        batch = await session.get(ExamBatch, exam.batch_id) if exam is not None else None
        if exam is None or batch is None or batch.tickets_issued_at is None:
            return 0
        starts, ends = as_utc(exam.starts_at), as_utc(exam.ends_at)
        if not starts + ABSENT_AFTER - EARLY_TOLERANCE <= moment < ends:
            log.info("absentee list of sitting %s skipped (not due)", session_id)
            return 0
        added = 0
        for room, parent in await batches.rooms_of(session, batch.id or 0):
            if parent.id != session_id:
                continue
            lines = await roster(app, session, room.id or 0)
            if not lines:
                continue
            pending = [{"seat_id": line.seat_id, "seat": seat_label(room, line.seat), "number": line.number,
                        "name": line.name, "id_masked": line.id_masked} for line in lines if line.status is None]
            replies = flow.absentee_list(sitting_view(app, room, exam, batch), pending, len(lines))
            for chat_id in sorted({i for i in (room.chief_id, room.deputy_id) if i}):
                key = f"atl:{session_id}:{room.id}:{chat_id}:{int(starts.timestamp())}"
                added += await outbox.enqueue(app, session, chat_id, replies, dedup_key=key)
        try:
            await session.commit()
        except IntegrityError:  # a concurrent fire committed the same lists first
            await session.rollback()
            return 0
    log.info("absentee lists of sitting %s enqueued (%d new)", session_id, added)
    return added
