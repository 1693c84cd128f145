"""Applications: numbering, duplicates per announcement and ID number, a user's list, the review queue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Application, Ban, PledgeAcceptance

ACTIVE_STATUSES = ("submitted", "approved", "needs_supplement")


async def add(session: AsyncSession, application: Application) -> Application:
    """Insert an application (its number must be set)."""
    session.add(application)
    await session.flush()
    return application


async def count_in_year(session: AsyncSession, year: int) -> int:
    """How many applications carry numbers of the given year (for the next serial)."""
    prefix = f"SQ{year}"
    result = await session.exec(select(func.count()).select_from(Application).where(col(Application.number).startswith(prefix)))
    return int(result.one())


async def active_duplicate(session: AsyncSession, announcement_id: int, id_number_hash: str) -> Application | None:
    """A live application of the same person (by ID hash) to the same announcement."""
    result = await session.exec(
        select(Application).where(
            Application.announcement_id == announcement_id,
            Application.id_number_hash == id_number_hash,
            col(Application.status).in_(ACTIVE_STATUSES),
        )
    )
    return result.first()


async def of_user(session: AsyncSession, user_id: int) -> list[Application]:
    """A user's applications, newest first."""
    result = await session.exec(select(Application).where(Application.user_id == user_id).order_by(col(Application.id).desc()))
    return list(result.all())


async def add_pledge(session: AsyncSession, pledge: PledgeAcceptance) -> None:
    """Record a pledge acceptance (insert only: the table refuses updates and deletes)."""
    session.add(pledge)
    await session.flush()


async def active_bans(session: AsyncSession, id_number_hash: str, today: date) -> list[Ban]:
    """Bans of a person still in force on `today` (R7)."""
    result = await session.exec(select(Ban).where(Ban.id_number_hash == id_number_hash, col(Ban.until) >= today))
    return list(result.all())
