"""Working-day calendar (DOMAIN P-rules: working days = Chinese official working days, 调休 included) and the date
arithmetic the deadline rules need. Pure: the years' data is handed in (official data and years loaded by staff).

Counting convention (the civil-law reading, 民法典 §201: the day an event happens is not counted, counting starts the
next day): "within N working days after X" ends on the N-th working day after X, and "N working days before X" (提前N个
工作日) is the N-th working day before X — X itself is never counted. Calendar days and months count the same way;
a month period ends on the same day number, or on the month's last day when that month is shorter (民法典 §202).

A year the calendar has no data for is judged weekends-only (Monday–Friday work), but every result that had to judge
a day of such a year carries `provisional=True`: its holidays and make-up working days were never published or loaded.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

OFFICIAL = "official"
LOADED = "loaded"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearDays:
    """One year's arrangement: days off (休, 放假) and make-up working days (班, 调休上班); `source` official or loaded."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = OFFICIAL


@dataclass(frozen=True)
class Reckoned:
    """A computed date and whether a day it depends on lies in a year without data (weekends-only was assumed)."""

    day: date
    provisional: bool = False


class WorkCalendar:
    """Working days from per-year arrangements; years without data fall back to weekends-only, flagged provisional."""

    def __init__(self, years: Iterable[YearDays] = ()) -> None:
        self._years: dict[int, YearDays] = {}
        for item in years:
            self._years[item.year] = item  # later entries win: a loaded year replaces the official one

    @classmethod
    def layered(cls, official: Iterable[YearDays], loaded: Iterable[YearDays]) -> WorkCalendar:
        """Official years overlaid with loaded years (a loaded year takes precedence over the official data)."""
        return cls([*official, *loaded])

    @property
    def years(self) -> Mapping[int, YearDays]:
        """Every year with data, by year."""
        return dict(self._years)

    def known(self, year: int) -> bool:
        """True when the year's arrangement is known (official or loaded)."""
        return year in self._years

    def source(self, year: int) -> str | None:
        """`official`, `loaded` or None for a year without data."""
        item = self._years.get(year)
        return item.source if item else None

    def judge(self, day: date) -> tuple[bool, bool]:
        """(is a working day, judged without data for its year)."""
        item = self._years.get(day.year)
        if item is None:
            return day.weekday() < 5, True
        if day in item.workdays:
            return True, False
        if day in item.holidays:
            return False, False
        return day.weekday() < 5, False

    def is_workday(self, day: date) -> bool:
        """True when the day is a working day (weekends-only for a year without data; see `judge`)."""
        return self.judge(day)[0]

    def add_workdays(self, start: date, n: int) -> Reckoned:
        """The n-th working day after `start` (start not counted); n = 0 gives `start` itself."""
        return self._step(start, n, _DAY)

    def subtract_workdays(self, start: date, n: int) -> Reckoned:
        """The n-th working day before `start` (start not counted); n = 0 gives `start` itself."""
        return self._step(start, n, -_DAY)

    def _step(self, start: date, n: int, step: timedelta) -> Reckoned:
        if n < 0:
            raise ValueError("a number of working days is not negative")
        day, provisional, counted = start, False, 0
        while counted < n:
            day += step
            working, guessed = self.judge(day)
            provisional = provisional or guessed
            counted += working
        return Reckoned(day, provisional)


def add_days(start: date, n: int) -> Reckoned:
    """`start` moved by n calendar days (negative: earlier); never provisional."""
    return Reckoned(start + timedelta(days=n))


def add_months(start: date, n: int) -> Reckoned:
    """`start` moved by n months (negative: earlier) to the same day number, or the month's last day when shorter."""
    index = start.year * 12 + start.month - 1 + n
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return Reckoned(date(year, month + 1, min(start.day, last)))


def month_end(start: date, n: int) -> Reckoned:
    """The last day of the month n months after (negative: before) the month of `start`; n = 0: its own month."""
    first = date(start.year, start.month, 1)
    moved = add_months(first, n).day
    return Reckoned(date(moved.year, moved.month, _gregorian.monthrange(moved.year, moved.month)[1]))
