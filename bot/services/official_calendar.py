"""The official holiday arrangements shipped with the `chinesecalendar` package (国务院办公厅 notices, 2004–2026 in
version 1.11), as `YearDays`. Coverage is what the package itself accepts: it raises NotImplementedError for other
years, and a year it refuses is never used.
"""

from __future__ import annotations

import functools
from datetime import date
from importlib import metadata

import chinese_calendar

from bot.rules.workdays import OFFICIAL, YearDays


def _accepted(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.cache
def official_years() -> tuple[YearDays, ...]:
    """Every year the package has data for, with its days off and make-up working days."""
    holidays = set(chinese_calendar.holidays)
    workdays = set(chinese_calendar.workdays)
    years = sorted({d.year for d in holidays | workdays})
    return tuple(
        YearDays(
            year,
            frozenset(d for d in holidays if d.year == year),
            frozenset(d for d in workdays if d.year == year),
            OFFICIAL,
        )
        for year in years
        if _accepted(year)
    )


def official_range() -> tuple[int, int]:
    """(first, last) year of the official data."""
    years = [y.year for y in official_years()]
    return min(years), max(years)


def data_version() -> str:
    """Installed version of the `chinesecalendar` package."""
    return metadata.version("chinesecalendar")
