"""Room records (考场情况记录表, DOMAIN C9): the end-of-sitting job, the papers count, the assembled summary.

Planning: one job per sitting at its end E (`rr:<session_id>`, see `exam_day.PLANNERS`); it re-reads everything when
it fires. A job missed while the bot was down runs once, late; one firing well before the sitting's current end
belongs to an older time of a moved sitting and does nothing (the re-planned job will ask).

At E every room with seated candidates gets its record started and assembled, and its chief proctor (the deputy when
there is no chief) is asked through the outbox to confirm how many papers/answer sheets were collected. The
confirmation (the room's chief or deputy, after the start) is stored with who and when, audited, and re-assembles the
record; staff and admins are then notified through the outbox with a button for the files.

The summary is locale-neutral (codes, counts, names, UTC times); renderers localize it for each reader. It holds
candidate names and ticket numbers but never ID numbers: the room record is an internal exam-office record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services import outbox
from bot.services.batches import local, person
from bot.services.reminders import as_utc
from flows import room_record as flow
from flows.menu import STAFF_ROLES
from storage.models import ExamRoom, RoomRecord, UserAccount, utcnow
from storage.repositories import audit, batches
from storage.repositories import room_records as repo

log = logging.getLogger(__name__)

FIRE = "bot.scheduler.room_record_jobs:fire_room_record"
JOB_PREFIX = "rr:"
EARLY_TOLERANCE = timedelta(minutes=10)  # a job firing earlier than this before E belongs to an old time
SUMMARY_VERSION = 1
CHECKED, MISMATCH, ABSENT, UNRECORDED = "checked", "mismatch", "absent", "unrecorded"
STATUSES = (CHECKED, MISMATCH, ABSENT, UNRECORDED)


def job_id(session_id: int) -> str:
    """Job id of a sitting's end-of-sitting job."""
    return f"{JOB_PREFIX}{session_id}"


async def plan_sitting(app: App, session_id: int, starts_at: datetime, ends_at: datetime) -> int:
    """Schedule (or replace) the sitting's job at its end E; returns 1, or 0 without a running scheduler."""
    if app.jobs is None:
        return 0
    await app.jobs.schedule(job_id(session_id), as_utc(ends_at), FIRE, (session_id,))
    return 1


async def cancel_sitting(app: App, session_id: int) -> int:
    """Drop the sitting's job; returns 1 when there was one."""
    if app.jobs is None:
        return 0
    return int(await app.jobs.cancel(job_id(session_id)))


def still_due(ends_at: datetime, now: datetime) -> bool:
    """Whether a job firing at `now` belongs to a sitting ending at `ends_at` (late is fine, early is an old time)."""
    return as_utc(now) >= as_utc(ends_at) - EARLY_TOLERANCE


# --- assembly -------------------------------------------------------------------------------------------------------


def _name(user_id: int | None, people: dict[int, UserAccount]) -> dict[str, Any] | None:
    if not user_id:
        return None
    return {"id": user_id, "name": person(people.get(user_id), user_id)}


async def build_summary(session: AsyncSession, room: ExamRoom, record: RoomRecord) -> dict[str, Any] | None:
    """The locale-neutral snapshot of a room's record from the seats, attendance, incidents and the papers count."""
    sitting = await repo.sitting(session, room.session_id)
    if sitting is None:
        return None
    exam, batch, occupation = sitting.exam, sitting.batch, sitting.occupation
    marks = {a.seat_id: a for a in await repo.attendance(session, room.id or 0)}
    incidents = await repo.incidents(session, room.id or 0)
    seated = await repo.seated(session, room.id or 0)
    numbers_of: dict[int, list[str]] = {}
    for incident in incidents:
        numbers_of.setdefault(incident.ticket_id, []).append(incident.number)
    candidates = []
    for entry in seated:
        mark = marks.get(entry.seat.id or 0)
        status = mark.status if mark is not None and mark.status in STATUSES else UNRECORDED
        candidates.append({
            "seat": entry.seat.number, "ticket": entry.ticket.number, "name": entry.name, "status": status,
            "note": mark.note if mark is not None else "", "incidents": numbers_of.get(entry.ticket.id or 0, []),
        })
    seats_of = {entry.ticket.id: entry for entry in seated}
    others = await repo.tickets_by_id(session, [i.ticket_id for i in incidents if i.ticket_id not in seats_of])
    incident_rows = []
    for incident in incidents:
        entry = seats_of.get(incident.ticket_id)
        ticket = entry.ticket if entry is not None else others.get(incident.ticket_id)
        incident_rows.append({
            "number": incident.number, "ticket": ticket.number if ticket else "", "seat": entry.seat.number if entry else None,
            "name": entry.name if entry else "", "code": incident.code, "sanction": incident.sanction, "status": incident.status,
        })
    counts = {status: sum(1 for c in candidates if c["status"] == status) for status in STATUSES}
    counts.update(seated=len(candidates), present=counts[CHECKED] + counts[MISMATCH], incidents=len(incident_rows))
    people = await batches.users_by_ids(session, [i for i in (room.chief_id, room.deputy_id, record.papers_confirmed_by) if i])
    return {
        "version": SUMMARY_VERSION,
        "batch": {"id": batch.id, "name": batch.name, "level": batch.level},
        "occupation": occupation.name if occupation else "",
        "work_type": occupation.work_type if occupation else "",
        "sitting": {"id": exam.id, "subject": exam.subject, "site": exam.site,
                    "starts_at": as_utc(exam.starts_at).isoformat(), "ends_at": as_utc(exam.ends_at).isoformat()},
        "room": {"id": room.id, "name": room.name, "kind": room.kind, "capacity": room.capacity},
        "chief": _name(room.chief_id, people),
        "deputy": _name(room.deputy_id, people),
        "counts": counts,
        "expected_papers": counts["seated"] - counts[ABSENT],
        "candidates": candidates,
        "absent": [{"seat": c["seat"], "ticket": c["ticket"], "name": c["name"]} for c in candidates if c["status"] == ABSENT],
        "mismatches": [{"seat": c["seat"], "ticket": c["ticket"], "name": c["name"], "note": c["note"]}
                       for c in candidates if c["status"] == MISMATCH],
        "incidents": incident_rows,
        "papers": {
            "count": record.papers_count,
            "confirmed_by": _name(record.papers_confirmed_by, people),
            "confirmed_at": as_utc(record.papers_confirmed_at).isoformat() if record.papers_confirmed_at else None,
        },
        "notes": record.notes,
    }


async def assemble(app: App, session: AsyncSession, room_id: int, now: datetime | None = None) -> RoomRecord | None:
    """(Re)assemble a room's record and store the snapshot with `assembled_at` (in the caller's transaction)."""
    room = await session.get(ExamRoom, room_id)
    if room is None:
        return None
    record = await repo.ensure(session, room)
    summary = await build_summary(session, room, record)
    if summary is None:
        return None
    moment = now or utcnow()
    record.summary = {**summary, "assembled_at": as_utc(moment).isoformat()}
    record.assembled_at = moment
    record.updated_at = moment
    session.add(record)
    await session.flush()
    return record


def message_facts(app: App, summary: dict[str, Any]) -> dict[str, Any]:
    """The parameters the chat messages about a record show (times in the configured zone)."""
    sitting, counts, papers = summary["sitting"], summary["counts"], summary["papers"]
    start = local(app, datetime.fromisoformat(sitting["starts_at"]))
    end = local(app, datetime.fromisoformat(sitting["ends_at"]))
    confirmed = papers.get("confirmed_by") or {}
    return {
        "batch": summary["batch"]["name"], "subject": sitting["subject"], "session_id": sitting["id"],
        "date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "site": sitting["site"],
        "room": summary["room"]["name"], "room_id": summary["room"]["id"], "expected": summary["expected_papers"],
        "count": papers.get("count"), "by": confirmed.get("name", ""),
        **{key: counts[key] for key in ("seated", "present", "absent", "mismatch", "unrecorded", "incidents")},
    }


# --- the end-of-sitting job -----------------------------------------------------------------------------------------


async def fire(app: App, session_id: int, now: datetime | None = None) -> int:
    """At E: assemble each seated room's record and ask its chief proctor for the papers count; returns asks enqueued.

    Rooms whose count is already confirmed, rooms without candidates and sittings that moved later are skipped; a
    repeated fire adds nothing (the ask's dedup key names the room and the sitting's end).
    """
    moment = as_utc(now or utcnow())
    async with app.sessions() as session:
        sitting = await repo.sitting(session, session_id)
        if sitting is None or not still_due(sitting.exam.ends_at, moment):
            log.info("room record job %s skipped", job_id(session_id))
            return 0
        ends = int(as_utc(sitting.exam.ends_at).timestamp())
        added = 0
        for room in await repo.rooms_of_sitting(session, session_id):
            existing = await repo.get(session, room.id or 0)
            if existing is not None and existing.papers_confirmed_at is not None:
                continue
            if not await repo.seated(session, room.id or 0):
                continue  # nobody sat here: nothing to collect, no record
            record = await assemble(app, session, room.id or 0, moment)
            if record is None:
                continue
            asked = room.chief_id or room.deputy_id
            if asked is None:
                log.warning("room %s has no proctor to confirm the papers count", room.id)
                continue
            text = flow.ask_papers(message_facts(app, record.summary))
            added += await outbox.enqueue(app, session, asked, [text], dedup_key=f"rr:ask:{room.id}:{ends}:{asked}")
        try:
            await session.commit()
        except IntegrityError:  # a concurrent fire of the same job committed first
            await session.rollback()
            return 0
    log.info("room record job %s: %d ask(s) enqueued", job_id(session_id), added)
    return added


# --- the papers count -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmed:
    """A stored papers count: whether it changed anything, and the facts the replies show."""

    changed: bool
    facts: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """A papers count not taken: the catalogue key of the reason and its parameters."""

    key: str
    params: dict[str, Any]


async def confirm_papers(
    app: App, session: AsyncSession, actor_id: int, entry: flow.PapersInput, now: datetime
) -> Confirmed | Refused:
    """Store the room's papers count (and notes) confirmed by its chief or deputy proctor, audited; re-assemble the
    record and notify staff. A repeated identical confirmation changes nothing. The caller commits."""
    room = await session.get(ExamRoom, entry.room_id)
    if room is None:
        return Refused("room_record.no_room", {"room_id": entry.room_id})
    if actor_id not in (room.chief_id, room.deputy_id):
        return Refused("room_record.not_your_room", {"room": room.name})
    sitting = await repo.sitting(session, room.session_id)
    if sitting is None:
        return Refused("room_record.no_room", {"room_id": entry.room_id})
    if as_utc(now) < as_utc(sitting.exam.starts_at):
        return Refused("room_record.too_early", {"room": room.name})
    record = await repo.ensure(session, room)
    notes = record.notes if entry.notes is None else entry.notes
    same = record.papers_count == entry.count and record.papers_confirmed_by == actor_id and notes == record.notes
    if same and record.summary:
        return Confirmed(False, {**message_facts(app, record.summary), "count": entry.count})
    before = {"papers_count": record.papers_count, "confirmed_by": record.papers_confirmed_by}
    record.papers_count = entry.count
    record.papers_confirmed_by = actor_id
    record.papers_confirmed_at = now
    record.notes = notes
    session.add(record)
    await session.flush()
    after = {"papers_count": entry.count, "confirmed_by": actor_id, "notes_changed": entry.notes is not None}
    await audit.record(session, actor_id, "confirm_papers", "room_record", record.id or 0, before, after)
    assembled = await assemble(app, session, room.id or 0, now)
    assert assembled is not None
    facts = message_facts(app, assembled.summary)
    stamp = int(as_utc(now).timestamp())
    for chat_id in await repo.recipients(session, STAFF_ROLES):
        await outbox.enqueue(app, session, chat_id, [flow.ready_notice(facts)], dedup_key=f"rr:ready:{room.id}:{stamp}:{chat_id}")
    return Confirmed(True, facts)


# --- on demand ------------------------------------------------------------------------------------------------------


async def sittings(app: App, session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Recent sittings that have started, latest first, for the staff list."""
    out = []
    for sitting in await repo.recent_sittings(session, now):
        start = local(app, sitting.exam.starts_at)
        out.append({"id": sitting.exam.id, "batch": sitting.batch.name, "subject": sitting.exam.subject,
                    "date": start.date().isoformat(), "start": f"{start:%H:%M}"})
    return out


async def sitting_facts(app: App, session: AsyncSession, session_id: int) -> dict[str, Any] | None:
    """A sitting with its rooms: seated candidates and the confirmed papers count (None when not confirmed)."""
    sitting = await repo.sitting(session, session_id)
    if sitting is None:
        return None
    start, end = local(app, sitting.exam.starts_at), local(app, sitting.exam.ends_at)
    records = await repo.records_of_sitting(session, session_id)
    rooms = []
    for room in await repo.rooms_of_sitting(session, session_id):
        record = records.get(room.id or 0)
        rooms.append({"id": room.id, "name": room.name, "seated": len(await repo.seated(session, room.id or 0)),
                      "papers": record.papers_count if record is not None else None})
    return {"id": session_id, "batch": sitting.batch.name, "subject": sitting.exam.subject, "site": sitting.exam.site,
            "date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "rooms": rooms}


async def rooms_for(session: AsyncSession, target: flow.Target) -> list[int] | None:
    """The room ids `/room_record <sitting> [room]` names; None when the sitting or room does not exist."""
    if target.session_id is None or await repo.sitting(session, target.session_id) is None:
        return None
    if target.room is not None:
        room = await repo.room_named(session, target.session_id, target.room)
        return [room.id or 0] if room is not None else None
    rooms = [room.id or 0 for room in await repo.rooms_of_sitting(session, target.session_id)]
    return rooms or None


async def sitting_rooms(session: AsyncSession, session_id: int) -> list[int] | None:
    """Every room of a sitting (None when it has none or does not exist)."""
    return await rooms_for(session, flow.Target(session_id))


async def assemble_for_export(
    app: App, session: AsyncSession, room_ids: list[int], actor_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Re-assemble the rooms' records for an export and audit it (who, which record); the caller commits."""
    summaries = []
    for room_id in room_ids:
        record = await assemble(app, session, room_id, now)
        if record is not None:
            summaries.append(record.summary)
            after = {"room": room_id, "sitting": record.session_id, "format": "pdf+xlsx"}
            await audit.record(session, actor_id, "export", "room_record", record.id or 0, None, after)
    return summaries
