"""Checks of a holiday arrangement file (one year's 放假/调休 days as rows `date, kind`). Pure: rows come parsed.

Per row: a date (unparsable → error), a kind (休/假/放假/holiday/off or 班/上班/补班/workday/work; anything else →
error), the file's year (another year → error; the year is `--year` or else the most frequent year of the dates), no
date twice with different kinds (error; the same date and kind again is only a warning). A day off on a weekend or a
working day on a weekday changes nothing: it is reported as pointless (warning) and not stored. A year is stored only
when no row has an error and at least one day changes the weekends-only calendar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.normalize import compact

HOLIDAY, WORKDAY = "holiday", "workday"
OK, WARNING, ERROR = "ok", "warning", "error"
_KIND_WORDS = {
    HOLIDAY: ("休", "假", "放假", "休息", "休假", "节假日", "holiday", "holidays", "off", "rest", "dayoff"),
    WORKDAY: ("班", "上班", "补班", "调休上班", "工作日", "workday", "working", "work", "workingday", "makeup"),
}
_KINDS = {word: kind for kind, words in _KIND_WORDS.items() for word in words}
HEADER_WORDS = frozenset({"date", "日期", "day"})
ROW_CODES = ("holiday", "workday", "pointless_holiday", "pointless_workday", "repeated", "bad_date", "bad_kind",
             "other_year", "conflict")
FILE_CODES = ("unreadable", "old_excel", "no_rows", "no_change", "official_year")


@dataclass(frozen=True)
class RawRow:
    """One data row as read: its row number in the file, the date if it parsed, and the cell texts."""

    row: int
    day: date | None
    date_text: str
    kind_text: str


@dataclass(frozen=True)
class RowOutcome:
    """What a row means or what is wrong with it: `code` (ROW_CODES), severity, and message parameters."""

    row: int
    code: str
    severity: str
    day: date | None
    params: dict[str, object]


@dataclass(frozen=True)
class YearCheck:
    """The checked file: the year, each row's outcome, and the days that would be stored."""

    year: int | None
    rows: tuple[RowOutcome, ...]
    holidays: frozenset[date]
    workdays: frozenset[date]

    @property
    def errors(self) -> int:
        """Rows with an error (nothing may be stored)."""
        return sum(r.severity == ERROR for r in self.rows)

    @property
    def warnings(self) -> int:
        """Rows reported but harmless (pointless or repeated days; not stored)."""
        return sum(r.severity == WARNING for r in self.rows)


def parse_kind(text: str) -> str | None:
    """`holiday` or `workday` for a kind cell in Chinese or English, else None."""
    key = compact(text).casefold().replace("-", "").replace("_", "")
    return _KINDS.get(key)


def is_header(date_text: str) -> bool:
    """True when a first row's date cell is a column name (日期 / date) rather than data."""
    return compact(date_text).casefold() in HEADER_WORDS


def _year(rows: Sequence[RawRow], year: int | None) -> int | None:
    if year is not None:
        return year
    counts = Counter(r.day.year for r in rows if r.day is not None)
    if not counts:
        return None
    top = max(counts.values())
    return min(y for y, n in counts.items() if n == top)


def _outcome(row: RawRow, code: str, severity: str, **params: object) -> RowOutcome:
    return RowOutcome(row.row, code, severity, row.day, {"date": row.day.isoformat() if row.day else row.date_text, **params})


def check_rows(rows: Sequence[RawRow], year: int | None = None) -> YearCheck:
    """Check every row; the year is the given one or the most frequent year of the dates (ties: the earliest)."""
    target = _year(rows, year)
    seen: dict[date, tuple[int, str]] = {}
    outcomes: list[RowOutcome] = []
    holidays: set[date] = set()
    workdays: set[date] = set()
    for row in rows:
        kind = parse_kind(row.kind_text)
        if row.day is None:
            outcomes.append(_outcome(row, "bad_date", ERROR))
        elif kind is None:
            outcomes.append(_outcome(row, "bad_kind", ERROR, kind=row.kind_text))
        elif row.day.year != target:
            outcomes.append(_outcome(row, "other_year", ERROR, year=target))
        elif row.day in seen:
            first_row, first_kind = seen[row.day]
            same = first_kind == kind
            outcomes.append(_outcome(row, "repeated" if same else "conflict", WARNING if same else ERROR, first_row=first_row))
        else:
            seen[row.day] = (row.row, kind)
            weekend = row.day.weekday() >= 5
            if kind == HOLIDAY and weekend:
                outcomes.append(_outcome(row, "pointless_holiday", WARNING, weekday=row.day.isoweekday()))
            elif kind == WORKDAY and not weekend:
                outcomes.append(_outcome(row, "pointless_workday", WARNING, weekday=row.day.isoweekday()))
            else:
                (holidays if kind == HOLIDAY else workdays).add(row.day)
                outcomes.append(_outcome(row, kind, OK, weekday=row.day.isoweekday()))
    return YearCheck(target, tuple(outcomes), frozenset(holidays), frozenset(workdays))
