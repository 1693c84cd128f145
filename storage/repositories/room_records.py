"""Queries behind room records (考场情况记录表, C9): a room's seated candidates with their attendance and incidents,
the record row itself, recent sittings and the staff who receive the records.

Attendance and incident rows are written by their own features; this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Application,
    Attendance,
    ExamBatch,
    ExamRoom,
    ExamSession,
    Incident,
    Occupation,
    RoomRecord,
    Seat,
    Ticket,
    UserAccount,
)

ACTIVE = "active"


@dataclass(frozen=True)
class SeatedCandidate:
    """One seated candidate of a room: seat, ticket and the name on the application."""

    seat: Seat
    ticket: Ticket
    name: str


@dataclass(frozen=True)
class Sitting:
    """A sitting with its batch and occupation (the header of a room record)."""

    exam: ExamSession
    batch: ExamBatch
    occupation: Occupation | None


async def get(session: AsyncSession, room_id: int) -> RoomRecord | None:
    """The record of a room, if one was started."""
    result = await session.exec(select(RoomRecord).where(RoomRecord.room_id == room_id))
    return result.first()


async def ensure(session: AsyncSession, room: ExamRoom) -> RoomRecord:
    """The record of a room, created (empty) when missing; a concurrent creation is taken over, not duplicated."""
    found = await get(session, room.id or 0)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            record = RoomRecord(room_id=room.id or 0, session_id=room.session_id)
            session.add(record)
    except IntegrityError:
        found = await get(session, room.id or 0)
        assert found is not None
        return found
    return record


async def sitting(session: AsyncSession, session_id: int) -> Sitting | None:
    """A sitting with its batch and occupation."""
    exam = await session.get(ExamSession, session_id)
    if exam is None:
        return None
    batch = await session.get(ExamBatch, exam.batch_id)
    if batch is None:
        return None
    return Sitting(exam, batch, await session.get(Occupation, batch.occupation_id))


async def rooms_of_sitting(session: AsyncSession, session_id: int) -> list[ExamRoom]:
    """A sitting's rooms in their planned order."""
    result = await session.exec(
        select(ExamRoom).where(ExamRoom.session_id == session_id).order_by(col(ExamRoom.position), col(ExamRoom.id))
    )
    return list(result.all())


async def room_named(session: AsyncSession, session_id: int, name: str) -> ExamRoom | None:
    """A sitting's room by its name."""
    result = await session.exec(select(ExamRoom).where(ExamRoom.session_id == session_id, ExamRoom.name == name))
    return result.first()


async def seated(session: AsyncSession, room_id: int) -> list[SeatedCandidate]:
    """Candidates seated in a room with an active ticket, by seat number."""
    result = await session.exec(
        select(Seat, Ticket, Application.name)
        .where(
            Seat.room_id == room_id,
            Seat.ticket_id == Ticket.id,
            Ticket.application_id == Application.id,
            Ticket.status == ACTIVE,
        )
        .order_by(col(Seat.number))
    )
    return [SeatedCandidate(seat, ticket, name) for seat, ticket, name in result.all()]


async def attendance(session: AsyncSession, room_id: int) -> list[Attendance]:
    """Attendance rows recorded in a room (checked, mismatch, absent)."""
    result = await session.exec(select(Attendance).where(Attendance.room_id == room_id).order_by(col(Attendance.id)))
    return list(result.all())


async def incidents(session: AsyncSession, room_id: int) -> list[Incident]:
    """Incidents reported in a room, in the order they were reported."""
    result = await session.exec(
        select(Incident).where(Incident.room_id == room_id).order_by(col(Incident.reported_at), col(Incident.id))
    )
    return list(result.all())


async def tickets_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Ticket]:
    """Tickets by id (for incidents of candidates no longer seated)."""
    if not ids:
        return {}
    result = await session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))
    return {t.id or 0: t for t in result.all()}


async def recent_sittings(session: AsyncSession, started_before: datetime, limit: int = 10) -> list[Sitting]:
    """Sittings that have started by `started_before`, the latest first, with batch and occupation."""
    result = await session.exec(
        select(ExamSession, ExamBatch)
        .where(ExamSession.batch_id == ExamBatch.id, col(ExamSession.starts_at) <= started_before)
        .order_by(col(ExamSession.starts_at).desc(), col(ExamSession.id).desc())
        .limit(limit)
    )
    out = []
    for exam, batch in result.all():
        out.append(Sitting(exam, batch, await session.get(Occupation, batch.occupation_id)))
    return out


async def records_of_sitting(session: AsyncSession, session_id: int) -> dict[int, RoomRecord]:
    """The records started for a sitting's rooms, by room id."""
    result = await session.exec(select(RoomRecord).where(RoomRecord.session_id == session_id))
    return {r.room_id: r for r in result.all()}


async def recipients(session: AsyncSession, roles: tuple[str, ...]) -> list[int]:
    """Ids of the users holding any of the roles (the staff who receive room records), ascending."""
    result = await session.exec(select(UserAccount.id).where(col(UserAccount.role).in_(roles)).order_by(col(UserAccount.id)))
    return list(result.all())
