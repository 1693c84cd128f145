"""Changes to a planned batch: a session's time or a room's place; everyone concerned is notified, reminders follow."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services import exam_day, outbox, reminders, staff_deadlines
from bot.services.after_commit import AfterCommit
from bot.services.batches import local
from flows.batch_move import AddRoom, MoveRoom, MoveSession
from flows.context import FlowContext
from flows.replies import Label, Text
from storage.models import ExamBatch, ExamRoom, ExamSession, UserAccount
from storage.repositories import audit, batches

EFFECTS = (MoveSession, MoveRoom, AddRoom)


async def move_facts(app: App, session: AsyncSession, session_id: int, now: datetime) -> dict[str, Any]:
    """The session being changed, in local time, with its rooms."""
    exam_session = await session.get(ExamSession, session_id)
    if exam_session is None:
        return {"today": now.astimezone(app.tz).date().isoformat()}
    start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
    rooms = [r for r, s in await batches.rooms_of(session, exam_session.batch_id) if s.id == session_id]
    return {
        "today": now.astimezone(app.tz).date().isoformat(),
        "session": {
            "id": session_id, "subject": exam_session.subject, "site": exam_session.site,
            "start_iso": start.replace(tzinfo=None).isoformat(timespec="minutes"),
            "end_iso": end.replace(tzinfo=None).isoformat(timespec="minutes"),
            "rooms": [{"id": r.id, "name": r.name} for r in rooms],
        },
    }


async def add_room(session: AsyncSession, user: UserAccount, effect: AddRoom) -> None:
    """One more room at the end of the session's room order (seat the candidates afterwards from the card)."""
    exam_session = await session.get(ExamSession, effect.session_id)
    if exam_session is None:
        return
    rooms = [r for r, s in await batches.rooms_of(session, exam_session.batch_id) if s.id == exam_session.id]
    room = ExamRoom(session_id=exam_session.id or 0, name=effect.name, kind=effect.kind, capacity=effect.capacity,
                    position=max((r.position for r in rooms), default=-1) + 1)
    session.add(room)
    await session.flush()
    after = {"name": room.name, "kind": room.kind, "capacity": room.capacity, "session": exam_session.id}
    await audit.record(session, user.id, "add_room", "exam_room", room.id, None, after)


async def _people(session: AsyncSession, batch: ExamBatch, exam_session: ExamSession, room_id: int | None) -> set[int]:
    """Candidates with an issued ticket seated in the session (or room), and the examiners concerned."""
    out: set[int] = set()
    for ticket in await batches.tickets_of(session, batch.id or 0):
        if ticket.status != "active" or ticket.issued_at is None:
            continue
        for seat, room, sitting in await batches.seats_of_ticket(session, ticket.id or 0):
            if sitting.id == exam_session.id and (room_id is None or room.id == room_id):
                out.add(ticket.user_id)
    for room, sitting in await batches.rooms_of(session, batch.id or 0):
        if sitting.id == exam_session.id and (room_id is None or room.id == room_id):
            out.update(i for i in (room.chief_id, room.deputy_id) if i)
    out.update(batch.assessor_ids)
    if batch.supervisor_id:
        out.add(batch.supervisor_id)
    return out


async def apply_effect(app: App, session: AsyncSession, user: UserAccount, effect: Any, ctx: FlowContext, after_commit: AfterCommit) -> None:
    """Carry out a MoveSession or MoveRoom (update, audit, notify, reschedule reminders after the commit) or AddRoom."""
    if isinstance(effect, AddRoom):
        await add_room(session, user, effect)
        return
    if isinstance(effect, MoveSession):
        exam_session = await session.get(ExamSession, effect.session_id)
        if exam_session is None:
            return
        room_id = None
        before = {"starts_at": exam_session.starts_at.isoformat(), "ends_at": exam_session.ends_at.isoformat()}
        exam_session.starts_at = datetime.fromisoformat(effect.start).replace(tzinfo=app.tz).astimezone(timezone.utc)
        exam_session.ends_at = datetime.fromisoformat(effect.end).replace(tzinfo=app.tz).astimezone(timezone.utc)
        session.add(exam_session)
        after = {"starts_at": exam_session.starts_at.isoformat(), "ends_at": exam_session.ends_at.isoformat()}
        await audit.record(session, user.id, "move_session", "exam_session", exam_session.id, before, after)
        key = f"mvs:{exam_session.id}:{int(exam_session.starts_at.timestamp())}:{int(exam_session.ends_at.timestamp())}"
        where = ""
    else:
        assert isinstance(effect, MoveRoom)
        room = await session.get(ExamRoom, effect.room_id)
        exam_session = await session.get(ExamSession, room.session_id) if room else None
        if room is None or exam_session is None:
            return
        room_id = room.id
        before = {"name": room.name}
        room.name = effect.name
        session.add(room)
        await audit.record(session, user.id, "move_room", "exam_room", room.id, before, {"name": room.name})
        key = f"mvr:{room.id}:{ctx.now.timestamp():.0f}"
        where = room.name
    batch = await session.get(ExamBatch, exam_session.batch_id)
    if batch is None:
        return
    batch.updated_at = ctx.now
    if batch.exam_date:
        batch.exam_date = min(s.starts_at for s in await batches.sessions_of(session, batch.id or 0)).astimezone(app.tz).date()
    session.add(batch)
    start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
    params = {
        "batch": batch.name, "subject": Label(f"subject.{exam_session.subject}"), "date": start.date().isoformat(),
        "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "site": exam_session.site, "room": where,
    }
    notice = "batch.moved_notice_room" if room_id else "batch.moved_notice_time"
    for chat_id in sorted(await _people(session, batch, exam_session, room_id)):
        await outbox.enqueue(app, session, chat_id, [Text(notice, params)], dedup_key=f"{key}:{chat_id}")
    batch_id = batch.id or 0

    async def reschedule() -> None:
        await reminders.reschedule_batch(app, batch_id)
        await exam_day.plan_batch(app, batch_id)
        await staff_deadlines.refresh_batch(app, batch_id)

    after_commit(reschedule)
