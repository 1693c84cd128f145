"""Queries behind creating, importing, listing and closing announcements."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Announcement, Institution, Occupation


async def institutions(session: AsyncSession) -> list[Institution]:
    """Every institution, by id."""
    result = await session.exec(select(Institution).order_by(Institution.id))  # type: ignore[arg-type]
    return list(result.all())


async def filed_occupations(session: AsyncSession) -> list[tuple[Occupation, Institution]]:
    """Occupations filed for at least one level (L5), with their institution, by institution and id."""
    result = await session.exec(
        select(Occupation, Institution)
        .where(Occupation.institution_id == Institution.id)
        .order_by(Institution.id, Occupation.id)  # type: ignore[arg-type]
    )
    return [(o, i) for o, i in result.all() if o.levels]


async def titles_by_institution(session: AsyncSession) -> dict[int, list[str]]:
    """Titles of every announcement (any status) per institution id."""
    result = await session.exec(select(Announcement.institution_id, Announcement.title))
    out: dict[int, list[str]] = {}
    for institution_id, title in result.all():
        out.setdefault(institution_id, []).append(title)
    return out


async def get(session: AsyncSession, announcement_id: int) -> Announcement | None:
    """An announcement by id."""
    return await session.get(Announcement, announcement_id)


async def occupations_of(session: AsyncSession, institution_id: int, code: str) -> list[Occupation]:
    """An institution's filed occupations with this code (one per work type)."""
    result = await session.exec(
        select(Occupation)
        .where(Occupation.institution_id == institution_id, Occupation.code == code)
        .order_by(Occupation.id)  # type: ignore[arg-type]
    )
    return list(result.all())
