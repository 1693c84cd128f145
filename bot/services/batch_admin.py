"""Staff actions on the batch card: examiners per room (A4), assessors and supervisor (C10), seats and tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services import outbox, tickets
from bot.services.batches import local, person
from bot.services.seating import seat_batch
from flows.replies import Label, Text
from storage.models import ExamBatch, ExamRoom, ExamSession, UserAccount
from storage.repositories import audit, batches

ROLE_OF_SLOT = {"chief": "proctor", "deputy": "proctor", "assessor": "assessor", "supervisor": "supervisor"}


@dataclass
class Done:
    """What an action did: a notice for the staff member, and tickets whose reminders must be (re)planned or dropped."""

    notice: Text
    schedule: list[int] = field(default_factory=list)
    cancel: list[int] = field(default_factory=list)
    batch_id: int | None = None


async def _notify_examiner(app: App, session: AsyncSession, user_id: int, slot: str, batch: ExamBatch,
                           exam_session: ExamSession | None, room: ExamRoom | None) -> None:
    """Tell an examiner what they were assigned to (once per assignment)."""
    params: dict[str, object] = {"batch": batch.name, "role": Label(f"batch.slot_{slot}"), "level": Label(f"level.{batch.level}")}
    if exam_session is not None and room is not None:
        start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
        params.update(subject=Label(f"subject.{exam_session.subject}"), date=start.date().isoformat(),
                      start=f"{start:%H:%M}", end=f"{end:%H:%M}", site=exam_session.site, room=room.name)
        key, dedup = "batch.assigned_room_notice", f"asg:{slot}:{room.id}:{user_id}"
    else:
        key, dedup = "batch.assigned_batch_notice", f"asg:{slot}:{batch.id}:{user_id}"
    await outbox.enqueue(app, session, user_id, [Text(key, params)], dedup_key=dedup)


async def _examiner(session: AsyncSession, user_id: int, slot: str) -> UserAccount | None:
    user = await session.get(UserAccount, user_id)
    return user if user is not None and user.role == ROLE_OF_SLOT[slot] else None


async def set_proctor(app: App, session: AsyncSession, actor: int, room_id: int, user_id: int, slot: str) -> Done | Text:
    """Make a proctor the chief or deputy of a room (not both in one room); they are notified."""
    found = await batches.room(session, room_id)
    user = await _examiner(session, user_id, slot)
    if found is None or user is None:
        return Text("batch.problem.person_gone")
    room, exam_session = found
    other = room.deputy_id if slot == "chief" else room.chief_id
    if other == user_id:
        return Text("batch.problem.same_proctor")
    before = {"chief_id": room.chief_id, "deputy_id": room.deputy_id}
    setattr(room, f"{slot}_id", user_id)
    session.add(room)
    await audit.record(session, actor, f"set_{slot}", "exam_room", room.id, before, {"chief_id": room.chief_id, "deputy_id": room.deputy_id})
    batch = await batches.get(session, exam_session.batch_id)
    assert batch is not None
    await _notify_examiner(app, session, user_id, slot, batch, exam_session, room)
    return Done(Text("batch.assigned", {"person": person(user), "role": Label(f"batch.slot_{slot}"), "room": room.name}), batch_id=batch.id)


async def set_supervisor(app: App, session: AsyncSession, actor: int, batch_id: int, user_id: int) -> Done | Text:
    """The batch's internal supervisor (逢考必督, C10)."""
    batch = await batches.get(session, batch_id)
    user = await _examiner(session, user_id, "supervisor")
    if batch is None or user is None:
        return Text("batch.problem.person_gone")
    before = {"supervisor_id": batch.supervisor_id}
    batch.supervisor_id = user_id
    session.add(batch)
    await audit.record(session, actor, "set_supervisor", "exam_batch", batch.id, before, {"supervisor_id": user_id})
    await _notify_examiner(app, session, user_id, "supervisor", batch, None, None)
    return Done(Text("batch.assigned_plain", {"person": person(user), "role": Label("batch.slot_supervisor")}), batch_id=batch_id)


async def toggle_assessor(app: App, session: AsyncSession, actor: int, batch_id: int, user_id: int) -> Done | Text:
    """Add or remove an assessor of the batch."""
    batch = await batches.get(session, batch_id)
    user = await _examiner(session, user_id, "assessor")
    if batch is None or user is None:
        return Text("batch.problem.person_gone")
    before = list(batch.assessor_ids)
    added = user_id not in before
    batch.assessor_ids = before + [user_id] if added else [i for i in before if i != user_id]
    session.add(batch)
    await audit.record(session, actor, "set_assessors", "exam_batch", batch.id, {"assessor_ids": before}, {"assessor_ids": batch.assessor_ids})
    if added:
        await _notify_examiner(app, session, user_id, "assessor", batch, None, None)
    key = "batch.assessor_added" if added else "batch.assessor_removed"
    return Done(Text(key, {"person": person(user)}), batch_id=batch_id)


async def seat(app: App, session: AsyncSession, actor: int, batch_id: int) -> Done | Text:
    """Seat the approved candidates now (stable; issued seats never move)."""
    batch = await batches.get(session, batch_id)
    if batch is None:
        return Text("batch.not_found")
    result = await seat_batch(app, session, batch)
    after = {"added": result.added, "released": result.released, "voided": len(result.voided), "unplaced": result.unplaced}
    await audit.record(session, actor, "seat_batch", "exam_batch", batch.id, None, after)
    unplaced = sum(result.unplaced.values())
    notice = Text("batch.seated", {"added": result.added, "released": result.released, "unplaced": unplaced})
    return Done(notice, cancel=result.voided, batch_id=batch_id)


async def issue(app: App, session: AsyncSession, actor: int, batch_id: int, now: datetime, everyone: bool) -> Done | Text:
    """Issue tickets (seating first) and notify the candidates; reminders are planned after the commit."""
    batch = await batches.get(session, batch_id)
    if batch is None:
        return Text("batch.not_found")
    if not await batches.rooms_of(session, batch_id):
        return Text("batch.problem.no_rooms")
    result = await tickets.issue(app, session, batch, actor, now, everyone)
    unplaced = sum(result.seating.unplaced.values())
    notice = Text("batch.issued", {"issued": len(result.issued), "notified": len(result.notified), "unplaced": unplaced})
    return Done(notice, schedule=result.issued if not everyone else result.notified, cancel=result.seating.voided, batch_id=batch_id)
