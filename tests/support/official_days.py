"""The official holiday data as shipped in chinesecalendar 1.11 (2004–2026), for tests whose "year without data" is
2027: a later package release with 2027 must not change what they compute."""

from __future__ import annotations

import functools

import pytest

from bot.rules.workdays import WorkCalendar, YearDays
from bot.services import official_calendar

LAST_YEAR = 2026
_SHIPPED = official_calendar.official_years  # the real function, kept before any test patches the module


@functools.cache
def until_2026() -> tuple[YearDays, ...]:
    """The official years up to 2026 (the package must cover them)."""
    years = tuple(y for y in _SHIPPED() if y.year <= LAST_YEAR)
    assert years[-1].year == LAST_YEAR, "chinesecalendar>=1.11 covers 2026"
    return years


def calendar_until_2026() -> WorkCalendar:
    """A calendar of the official data up to 2026 only."""
    return WorkCalendar(until_2026())


def pin_official_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the services see the official data up to 2026 only."""
    monkeypatch.setattr(official_calendar, "official_years", until_2026)
