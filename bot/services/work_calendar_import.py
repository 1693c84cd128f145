"""Load one year's holiday arrangement from a file (CLI `skillbot holidays import`, or an xlsx sent in the chat by
staff): read, check every row (bot/rules/holiday_rows.py), then store the year all or nothing, audited.

A year the official data covers is refused unless `force`; importing the same days again changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.i18n import I18n
from bot.rules.holiday_rows import YearCheck, check_rows
from bot.services.holiday_file import HolidayFileError, read_rows
from bot.services import official_calendar
from flows.replies import Label
from storage.models import WorkCalendarYear
from storage.repositories import audit, work_calendar

CREATED, REPLACED, UNCHANGED = "created", "replaced", "unchanged"


@dataclass
class CalendarImport:
    """What an import found and did: the year, row outcomes, file problems, outcome and whether it was written."""

    sha256: str
    check: YearCheck | None = None
    problems: list[str] = field(default_factory=list)
    outcome: str = ""
    written: bool = False
    dry_run: bool = False

    @property
    def year(self) -> int | None:
        """The arrangement's year (None when the file had no date)."""
        return self.check.year if self.check else None

    @property
    def failed(self) -> bool:
        """True when nothing may be stored: a file problem or a row with an error."""
        return bool(self.problems) or (self.check is not None and self.check.errors > 0)


def _same(row: WorkCalendarYear, check: YearCheck) -> bool:
    return set(row.holidays) == {d.isoformat() for d in check.holidays} and set(row.workdays) == {
        d.isoformat() for d in check.workdays
    }


def _audit_values(holidays: list[str], workdays: list[str], sha256: str, source: str) -> dict[str, object]:
    return {"holidays": holidays, "workdays": workdays, "sha256": sha256, "source": source}


async def import_calendar(
    app: App,
    session: AsyncSession,
    data: bytes,
    actor_id: int | None,
    *,
    year: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    source: str = "chat",
) -> CalendarImport:
    """Check a holiday file and, unless a dry run or anything is wrong, store its year; the caller commits when
    `report.written`. `year` pins the year (else the dates' most frequent year); `force` replaces official data."""
    report = CalendarImport(hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    try:
        rows = await asyncio.to_thread(read_rows, data)  # openpyxl parsing stays off the event loop
    except HolidayFileError as exc:
        report.problems.append(exc.code)
        return report
    report.check = check = check_rows(rows, year)
    if check.errors or check.year is None:
        return report
    first, last = official_calendar.official_range()
    if first <= check.year <= last and not force:
        report.problems.append("official_year")
    if not check.holidays and not check.workdays:
        report.problems.append("no_change")
    if report.problems:
        return report
    stored = await work_calendar.by_year(session, check.year)
    report.outcome = CREATED if stored is None else UNCHANGED if _same(stored, check) else REPLACED
    if dry_run or report.outcome == UNCHANGED:
        return report
    before = _audit_values(stored.holidays, stored.workdays, stored.sha256, stored.source) if stored else None
    row = await work_calendar.store_year(
        session, check.year, check.holidays, check.workdays, source=source, sha256=report.sha256, loaded_by=actor_id
    )
    after = _audit_values(row.holidays, row.workdays, row.sha256, row.source)
    await audit.record(session, actor_id, "import", "work_calendar_year", check.year, before, after)
    report.written = True
    return report


def report_lines(i18n: I18n, locale: str, report: CalendarImport) -> list[str]:
    """One line per row (`row 7: …`), then the file's problems, then a summary line; in the given language."""
    lines: list[str] = []
    for outcome in report.check.rows if report.check else ():
        params = dict(outcome.params)
        if "weekday" in params:
            params["weekday"] = Label(f"holidays.weekday.{params['weekday']}")
        if not params.get("date"):
            params["date"] = Label("holidays.empty_cell")
        text = Label(f"holidays.row.{outcome.code}", params)
        lines.append(i18n.render(locale, "holidays.row_line", {"row": outcome.row, "text": text}))
    for code in report.problems:
        params = {"year": report.year, "version": official_calendar.data_version()}
        lines.append(i18n.render(locale, f"holidays.file.{code}", params))
    lines.append(summary(i18n, locale, report))
    return lines


def summary(i18n: I18n, locale: str, report: CalendarImport) -> str:
    """The outcome in one line: stored, replaced, unchanged, what a dry run would do, or why nothing was stored."""
    check = report.check
    params = {
        "year": report.year,
        "holidays": len(check.holidays) if check else 0,
        "workdays": len(check.workdays) if check else 0,
        "errors": check.errors if check else 0,
        "warnings": check.warnings if check else 0,
    }
    if report.failed:
        return i18n.render(locale, "holidays.summary.failed", params)
    key = f"holidays.summary.{'dry_' if report.dry_run and report.outcome != UNCHANGED else ''}{report.outcome}"
    return i18n.render(locale, key, params)
