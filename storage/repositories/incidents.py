"""Queries behind incident reports (V1–V5): numbering, open cases, the examiners of a sitting, bans and certificates."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Ban, Certificate, ExamBatch, ExamRoom, ExamSession, Incident, Ticket

NUMBER_PREFIX = "WJ"  # 违纪


async def count_in_year(session: AsyncSession, year: int) -> int:
    """Incidents numbered in a year (`WJ<year>-…`)."""
    result = await session.exec(select(func.count()).select_from(Incident).where(col(Incident.number).like(f"{NUMBER_PREFIX}{year}-%")))
    return int(result.one() or 0)


async def by_number(session: AsyncSession, number: str) -> Incident | None:
    """An incident by its number."""
    result = await session.exec(select(Incident).where(Incident.number == number))
    return result.first()


async def ticket_by_number(session: AsyncSession, number: str) -> Ticket | None:
    """A ticket by its printed number."""
    result = await session.exec(select(Ticket).where(Ticket.number == number))
    return result.first()


async def open_cases(session: AsyncSession, statuses: tuple[str, ...], appeal_status: str, limit: int) -> list[Incident]:
    """Incidents in one of `statuses`, or with an appeal in `appeal_status`, oldest first."""
    result = await session.exec(
        select(Incident)
        .where(or_(col(Incident.status).in_(statuses), col(Incident.appeal_status) == appeal_status))
        .order_by(col(Incident.id))
        .limit(limit)
    )
    return list(result.all())


async def rooms_of_session(session: AsyncSession, session_id: int) -> list[ExamRoom]:
    """The rooms of one sitting."""
    result = await session.exec(select(ExamRoom).where(ExamRoom.session_id == session_id).order_by(col(ExamRoom.id)))
    return list(result.all())


async def batch_rooms(session: AsyncSession, batch_id: int) -> list[ExamRoom]:
    """Every room of every sitting of a batch."""
    result = await session.exec(
        select(ExamRoom).join(ExamSession, col(ExamRoom.session_id) == col(ExamSession.id)).where(ExamSession.batch_id == batch_id)
    )
    return list(result.all())


async def batch_of_session(session: AsyncSession, session_id: int) -> ExamBatch | None:
    """The batch a sitting belongs to."""
    sitting = await session.get(ExamSession, session_id)
    return await session.get(ExamBatch, sitting.batch_id) if sitting is not None else None


async def bans_of(session: AsyncSession, incident_id: int) -> list[Ban]:
    """The bans an incident imposed."""
    result = await session.exec(select(Ban).where(Ban.incident_id == incident_id).order_by(col(Ban.id)))
    return list(result.all())


async def valid_certificates(session: AsyncSession, batch_id: int, id_number_hash: str) -> list[Certificate]:
    """Valid certificates registered from a batch for one holder (by ID-number hash)."""
    result = await session.exec(
        select(Certificate).where(
            Certificate.batch_id == batch_id, Certificate.id_number_hash == id_number_hash, Certificate.status == "valid"
        )
    )
    return list(result.all())
