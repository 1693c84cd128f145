"""Queries behind batches: sessions, rooms, tickets, seats and the candidates and examiners they involve."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Announcement, Application, ExamBatch, ExamRoom, ExamSession, Occupation, Seat, Ticket, UserAccount


async def get(session: AsyncSession, batch_id: int) -> ExamBatch | None:
    """A batch by id."""
    return await session.get(ExamBatch, batch_id)


async def recent(session: AsyncSession, limit: int = 20) -> list[ExamBatch]:
    """The newest batches first."""
    result = await session.exec(select(ExamBatch).order_by(col(ExamBatch.id).desc()).limit(limit))
    return list(result.all())


async def unfinished(session: AsyncSession, now: datetime, limit: int = 20) -> list[ExamBatch]:
    """Batches not cancelled with a sitting still to end after `now` (aware UTC), soonest first."""
    ending = select(ExamSession.batch_id).where(col(ExamSession.ends_at) > now)
    result = await session.exec(
        select(ExamBatch)
        .where(ExamBatch.status != "cancelled", col(ExamBatch.id).in_(ending))
        .order_by(col(ExamBatch.exam_date), col(ExamBatch.id))
        .limit(limit)
    )
    return list(result.all())


async def by_name(session: AsyncSession, name: str) -> ExamBatch | None:
    """The newest batch with exactly this name."""
    result = await session.exec(select(ExamBatch).where(ExamBatch.name == name).order_by(col(ExamBatch.id).desc()).limit(1))
    return result.first()


async def announcements_for_planning(session: AsyncSession, limit: int = 10) -> list[tuple[Announcement, Occupation]]:
    """Announcements (newest first) with their occupation, for the batch form."""
    result = await session.exec(
        select(Announcement, Occupation)
        .where(Announcement.occupation_id == Occupation.id)
        .order_by(col(Announcement.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def sessions_of(session: AsyncSession, batch_id: int) -> list[ExamSession]:
    """A batch's sessions by start time."""
    result = await session.exec(
        select(ExamSession).where(ExamSession.batch_id == batch_id).order_by(col(ExamSession.starts_at), col(ExamSession.id))
    )
    return list(result.all())


async def rooms_of(session: AsyncSession, batch_id: int) -> list[tuple[ExamRoom, ExamSession]]:
    """A batch's rooms with their session, in assignment order."""
    result = await session.exec(
        select(ExamRoom, ExamSession)
        .where(ExamRoom.session_id == ExamSession.id, ExamSession.batch_id == batch_id)
        .order_by(col(ExamSession.starts_at), col(ExamRoom.position), col(ExamRoom.id))
    )
    return list(result.all())


async def room(session: AsyncSession, room_id: int) -> tuple[ExamRoom, ExamSession] | None:
    """A room with its session."""
    found = await session.get(ExamRoom, room_id)
    if found is None:
        return None
    parent = await session.get(ExamSession, found.session_id)
    return (found, parent) if parent is not None else None


async def tickets_of(session: AsyncSession, batch_id: int) -> list[Ticket]:
    """Every ticket of a batch by sequence."""
    result = await session.exec(select(Ticket).where(Ticket.batch_id == batch_id).order_by(col(Ticket.sequence)))
    return list(result.all())


async def seats_of(session: AsyncSession, batch_id: int) -> list[Seat]:
    """Every seat of a batch's tickets."""
    result = await session.exec(
        select(Seat).join(Ticket, col(Seat.ticket_id) == col(Ticket.id)).where(Ticket.batch_id == batch_id)
    )
    return list(result.all())


async def seats_of_ticket(session: AsyncSession, ticket_id: int) -> list[tuple[Seat, ExamRoom, ExamSession]]:
    """A ticket's seats with room and session, by session start."""
    result = await session.exec(
        select(Seat, ExamRoom, ExamSession)
        .where(Seat.ticket_id == ticket_id, Seat.room_id == ExamRoom.id, Seat.session_id == ExamSession.id)
        .order_by(col(ExamSession.starts_at))
    )
    return list(result.all())


async def approved_applications(session: AsyncSession, batch: ExamBatch) -> list[Application]:
    """Approved applications to the batch's announcement and level, in submission order."""
    result = await session.exec(
        select(Application)
        .where(
            Application.announcement_id == batch.announcement_id,
            Application.level == batch.level,
            Application.status == "approved",
        )
        .order_by(col(Application.id))
    )
    return list(result.all())


async def batches_for(session: AsyncSession, announcement_id: int, level: int) -> list[ExamBatch]:
    """Planned batches of an announcement and level (not cancelled)."""
    result = await session.exec(
        select(ExamBatch)
        .where(ExamBatch.announcement_id == announcement_id, ExamBatch.level == level, ExamBatch.status != "cancelled")
        .order_by(col(ExamBatch.id))
    )
    return list(result.all())


async def max_sequence(session: AsyncSession, batch_id: int) -> int:
    """Highest ticket sequence used in a batch (0 when none)."""
    result = await session.exec(select(func.max(Ticket.sequence)).where(Ticket.batch_id == batch_id))
    return int(result.one() or 0)


async def user_tickets(session: AsyncSession, user_id: int) -> list[Ticket]:
    """A user's active issued tickets, newest batch first."""
    result = await session.exec(
        select(Ticket)
        .where(Ticket.user_id == user_id, Ticket.status == "active", col(Ticket.issued_at).is_not(None))
        .order_by(col(Ticket.batch_id).desc())
    )
    return list(result.all())


async def users_with_role(session: AsyncSession, role: str, limit: int = 40) -> list[UserAccount]:
    """Users holding a role, by id."""
    result = await session.exec(select(UserAccount).where(UserAccount.role == role).order_by(col(UserAccount.id)).limit(limit))
    return list(result.all())


async def users_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, UserAccount]:
    """Users by id (missing ones left out)."""
    if not ids:
        return {}
    result = await session.exec(select(UserAccount).where(col(UserAccount.id).in_(list(ids))))
    return {u.id: u for u in result.all()}
