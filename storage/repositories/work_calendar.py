"""Holiday arrangements of years loaded by staff (`work_calendar_year`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import WorkCalendarYear, utcnow


async def all_years(session: AsyncSession) -> list[WorkCalendarYear]:
    """Every loaded year, oldest year first."""
    result = await session.exec(select(WorkCalendarYear).order_by(WorkCalendarYear.year))  # type: ignore[arg-type]
    return list(result.all())


async def by_year(session: AsyncSession, year: int) -> WorkCalendarYear | None:
    """The loaded arrangement of one year, if any."""
    result = await session.exec(select(WorkCalendarYear).where(WorkCalendarYear.year == year))
    return result.first()


def _iso(days: Iterable[date]) -> list[str]:
    return sorted(d.isoformat() for d in days)


async def store_year(
    session: AsyncSession,
    year: int,
    holidays: Iterable[date],
    workdays: Iterable[date],
    *,
    source: str,
    sha256: str,
    loaded_by: int | None,
) -> WorkCalendarYear:
    """Create or replace a year's arrangement (in the current transaction)."""
    row = await by_year(session, year)
    if row is None:
        row = WorkCalendarYear(year=year, sha256=sha256)
    row.holidays = _iso(holidays)
    row.workdays = _iso(workdays)
    row.source = source[:200]
    row.sha256 = sha256
    row.loaded_by = loaded_by
    row.loaded_at = utcnow()
    session.add(row)
    await session.flush()
    return row
