"""Institutions, filed occupations, announcements and exam batches."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Announcement, ExamBatch, Institution, Occupation


async def count(session: AsyncSession, table: type[SQLModel]) -> int:
    """Number of rows in a table."""
    result = await session.exec(select(func.count()).select_from(table))
    return int(result.one())


async def institution_by_code(session: AsyncSession, code: str) -> Institution | None:
    """The institution with this code, if any."""
    result = await session.exec(select(Institution).where(Institution.code == code))
    return result.first()


async def any_institution(session: AsyncSession) -> bool:
    """True when at least one institution exists."""
    result = await session.exec(select(Institution.id).limit(1))
    return result.first() is not None


async def occupation(session: AsyncSession, institution_id: int, code: str, work_type: str) -> Occupation | None:
    """A filed occupation of an institution by code and work type."""
    result = await session.exec(
        select(Occupation).where(
            Occupation.institution_id == institution_id, Occupation.code == code, Occupation.work_type == work_type
        )
    )
    return result.first()


async def occupations_of(session: AsyncSession, institution_id: int) -> list[Occupation]:
    """All filed occupations of an institution."""
    result = await session.exec(
        select(Occupation).where(Occupation.institution_id == institution_id).order_by(Occupation.id)  # type: ignore[arg-type]
    )
    return list(result.all())


async def announcement_by_title(session: AsyncSession, institution_id: int, title: str) -> Announcement | None:
    """An institution's announcement by its title."""
    result = await session.exec(
        select(Announcement).where(Announcement.institution_id == institution_id, Announcement.title == title)
    )
    return result.first()


async def batch_by_name(session: AsyncSession, occupation_id: int, name: str) -> ExamBatch | None:
    """An occupation's exam batch by its name."""
    result = await session.exec(select(ExamBatch).where(ExamBatch.occupation_id == occupation_id, ExamBatch.name == name))
    return result.first()


async def add(session: AsyncSession, row: SQLModel) -> SQLModel:
    """Insert a row and flush so its id is known."""
    session.add(row)
    await session.flush()
    return row


async def open_announcements(session: AsyncSession) -> list[tuple[Announcement, Occupation]]:
    """Announcements with status open and their occupation, oldest first."""
    result = await session.exec(
        select(Announcement, Occupation)
        .where(Announcement.status == "open", Announcement.occupation_id == Occupation.id)
        .order_by(Announcement.id)  # type: ignore[arg-type]
    )
    return [(a, o) for a, o in result.all()]
