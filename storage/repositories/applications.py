"""Applications: numbering, duplicates per announcement and ID number, a user's list, the review queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
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


async def get(session: AsyncSession, application_id: int) -> Application | None:
    """One application by id, re-read from the store (never a stale identity-map copy)."""
    return await session.get(Application, application_id, populate_existing=True)


def _queue_order() -> tuple[Any, Any]:
    return col(Application.submitted_at).asc(), col(Application.id).asc()


async def count_submitted(session: AsyncSession) -> int:
    """How many applications wait for review."""
    result = await session.exec(select(func.count()).select_from(Application).where(Application.status == "submitted"))
    return int(result.one())


async def next_submitted(session: AsyncSession, after: Application | None = None) -> Application | None:
    """The oldest application awaiting review, or the first one queued after `after` (none: back to the oldest)."""
    query = select(Application).where(Application.status == "submitted")
    if after is not None:
        later = or_(
            col(Application.submitted_at) > after.submitted_at,
            and_(col(Application.submitted_at) == after.submitted_at, col(Application.id) > (after.id or 0)),
        )
        found = (await session.exec(query.where(later).order_by(*_queue_order()).limit(1))).first()
        if found is not None:
            return found
    return (await session.exec(query.order_by(*_queue_order()).limit(1))).first()


async def decide(
    session: AsyncSession, application_id: int, expected: str, status: str, note: str | None, reviewer: int, at: datetime
) -> bool:
    """Set a review decision only if the status is still `expected` (one atomic UPDATE); False when it was not."""
    stmt = (
        update(Application)
        .where(col(Application.id) == application_id, col(Application.status) == expected)
        .values(status=status, review_note=note, reviewed_by=reviewer, reviewed_at=at, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    result = await (await session.connection()).execute(stmt)
    return bool(result.rowcount == 1)


async def of_announcement(session: AsyncSession, announcement_id: int) -> list[Application]:
    """Every application to one announcement in submission order (the roster)."""
    query = select(Application).where(Application.announcement_id == announcement_id).order_by(*_queue_order())
    return list((await session.exec(query)).all())


async def by_number(session: AsyncSession, number: str) -> Application | None:
    """An application by its receipt number."""
    result = await session.exec(select(Application).where(Application.number == number))
    return result.first()
