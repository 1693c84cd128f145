"""The working-day calendar in use: the official data shipped with `chinesecalendar` overlaid with the years staff
loaded (`skillbot holidays import`), plus a coverage summary (official / loaded / missing years)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.workdays import LOADED, WorkCalendar, YearDays
from bot.services import official_calendar
from storage.models import WorkCalendarYear
from storage.repositories import work_calendar

MISSING_AHEAD = 2  # years after this one listed as missing when they have no data


def year_days(row: WorkCalendarYear) -> YearDays:
    """A stored year as calendar data."""
    return YearDays(
        row.year,
        frozenset(date.fromisoformat(d) for d in row.holidays),
        frozenset(date.fromisoformat(d) for d in row.workdays),
        LOADED,
    )


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The official years overlaid with every loaded year (a loaded year replaces the official one)."""
    stored = [year_days(row) for row in await work_calendar.all_years(session)]
    return WorkCalendar.layered(official_calendar.official_years(), stored)


@dataclass(frozen=True)
class Coverage:
    """Which years the calendar knows: the official range, the loaded years, and missing years up to `until`."""

    official: tuple[int, int]
    loaded: tuple[WorkCalendarYear, ...]
    missing: tuple[int, ...]


async def coverage(session: AsyncSession, today: date) -> Coverage:
    """Official range, loaded years, and the years without data between the official range and today + 2 years."""
    first, last = official_calendar.official_range()
    loaded = tuple(await work_calendar.all_years(session))
    have = {row.year for row in loaded} | set(range(first, last + 1))
    until = max(today.year + MISSING_AHEAD, last)
    missing = tuple(y for y in range(first, until + 1) if y not in have)
    return Coverage((first, last), loaded, missing)
