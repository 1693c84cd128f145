"""Batches: facts for the /batch form, storing a batch, the /batches list and the batch card."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.seating import Candidate, Placement, Room, assign
from flows.batch import CreateBatch
from storage.models import Announcement, ExamBatch, ExamRoom, ExamSession, UserAccount, utcnow
from storage.repositories import audit, batches

EXAM_ROLES = ("proctor", "assessor", "supervisor")


def person(user: UserAccount | None, user_id: int | None = None) -> str:
    """How staff see an examiner: profile name, else Telegram name, with @username; else `#id`."""
    if user is None:
        return f"#{user_id}" if user_id else ""
    name = user.full_name or user.first_name or f"#{user.id}"
    return f"{name} @{user.username}" if user.username else name


def local(app: App, moment: datetime) -> datetime:
    """A stored UTC time in the configured time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(app.tz)


async def form_facts(app: App, session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Announcements to plan for, with the subjects each level is examined in, and today's local date."""
    items = []
    for announcement, occupation in await batches.announcements_for_planning(session):
        subjects = {str(n): list((announcement.conditions.get(str(n)) or {}).get("subjects") or ["theory", "practical"])
                    for n in announcement.levels}
        items.append({"id": announcement.id, "title": announcement.title, "occupation": occupation.name,
                      "levels": sorted(announcement.levels, reverse=True), "subjects": subjects})
    return {"today": now.astimezone(app.tz).date().isoformat(), "announcements": items}


async def create(app: App, session: AsyncSession, user: UserAccount, effect: CreateBatch) -> ExamBatch:
    """Store the batch, its sessions (local times converted to UTC) and rooms; audited."""
    announcement = await session.get(Announcement, effect.announcement_id)
    assert announcement is not None
    starts = [datetime.fromisoformat(s["start"]).replace(tzinfo=app.tz) for s in effect.sessions]
    batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=effect.level,
                      name=effect.name, exam_date=min(starts).date(), created_by=user.id)
    session.add(batch)
    await session.flush()
    by_subject: dict[str, ExamSession] = {}
    for item in effect.sessions:
        row = ExamSession(
            batch_id=batch.id or 0, subject=item["subject"], site=item["site"],
            starts_at=datetime.fromisoformat(item["start"]).replace(tzinfo=app.tz).astimezone(timezone.utc),
            ends_at=datetime.fromisoformat(item["end"]).replace(tzinfo=app.tz).astimezone(timezone.utc),
        )
        session.add(row)
        by_subject[item["subject"]] = row
    await session.flush()
    for position, item in enumerate(effect.rooms):
        session.add(ExamRoom(session_id=by_subject[item["subject"]].id or 0, name=item["name"], kind=item["kind"],
                             capacity=int(item["capacity"]), position=position))
    after = {"name": batch.name, "level": batch.level, "announcement": announcement.id,
             "sessions": len(effect.sessions), "rooms": len(effect.rooms)}
    await audit.record(session, user.id, "create_batch", "exam_batch", batch.id, None, after)
    return batch


async def listing(app: App, session: AsyncSession) -> list[dict[str, Any]]:
    """Recent batches: id, name, level, first exam date, status."""
    return [
        {"id": b.id, "name": b.name, "level": b.level, "date": b.exam_date.isoformat(), "status": b.status}
        for b in await batches.recent(session)
    ]


async def card(app: App, session: AsyncSession, batch_id: int) -> dict[str, Any] | None:
    """Everything the batch card shows: sessions with rooms and proctors, examiners, seat and ticket counts; `unseated`:
    approved candidates still lacking a seat in one of their sittings (seating would add it, or there is no room)."""
    batch = await batches.get(session, batch_id)
    if batch is None or batch.id is None:
        return None
    rooms = await batches.rooms_of(session, batch.id)
    tickets = await batches.tickets_of(session, batch.id)
    seats = await batches.seats_of(session, batch.id)
    applications = await batches.approved_applications(session, batch)
    ids = [i for r, _ in rooms for i in (r.chief_id, r.deputy_id) if i] + list(batch.assessor_ids) + ([batch.supervisor_id] if batch.supervisor_id else [])
    people = await batches.users_by_ids(session, ids)
    sessions = await batches.sessions_of(session, batch.id)
    subjects = {s.subject for s in sessions}
    active = {t.id: t for t in tickets if t.status == "active"}
    held = [Placement(active[s.ticket_id].application_id, s.subject, s.room_id, s.number) for s in seats if s.ticket_id in active]
    plan = assign(
        [Candidate(a.id or 0, tuple(s for s in a.subjects if s in subjects)) for a in applications],
        [Room(r.id or 0, s.subject, r.capacity) for r, s in rooms],
        held,
    )
    unseated = {p.application_id for p in plan.added(held)} | {i for ids in plan.unplaced.values() for i in ids}
    seated = {}
    for s in seats:
        if s.ticket_id in active:
            seated[s.room_id] = seated.get(s.room_id, 0) + 1
    session_items = []
    for exam_session in sessions:
        start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
        session_items.append({
            "id": exam_session.id, "subject": exam_session.subject, "date": start.date().isoformat(),
            "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "site": exam_session.site,
            "rooms": [
                {"id": r.id, "name": r.name, "kind": r.kind, "capacity": r.capacity, "seated": seated.get(r.id or 0, 0),
                 "chief": person(people.get(r.chief_id or 0), r.chief_id), "deputy": person(people.get(r.deputy_id or 0), r.deputy_id)}
                for r, s in rooms if s.id == exam_session.id
            ],
        })
    return {
        "id": batch.id, "name": batch.name, "level": batch.level, "status": batch.status,
        "date": batch.exam_date.isoformat(), "sessions": session_items,
        "assessors": [person(people.get(i), i) for i in batch.assessor_ids],
        "supervisor": person(people.get(batch.supervisor_id or 0), batch.supervisor_id) if batch.supervisor_id else "",
        "approved": len(applications),
        "tickets": len(active),
        "issued": sum(1 for t in active.values() if t.issued_at is not None),
        "unplaced": sum(len(v) for v in plan.unplaced.values()),
        "unseated": len(unseated),
        "issued_at": local(app, batch.tickets_issued_at).strftime("%Y-%m-%d %H:%M") if batch.tickets_issued_at else "",
    }


async def candidates_of_role(session: AsyncSession, role: str) -> list[dict[str, Any]]:
    """Users with an examiner role as {id, label} for the pickers."""
    return [{"id": u.id, "label": person(u)} for u in await batches.users_with_role(session, role)]


def touch(batch: ExamBatch) -> None:
    """Mark a batch as changed now."""
    batch.updated_at = utcnow()
