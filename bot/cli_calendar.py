"""`skillbot holidays import|list` and `skillbot deadlines`: the working-day calendar and a batch's P-rule deadlines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli_errors import CliError
from bot.rules.deadlines import NOT_BEFORE
from bot.runmodes import ensure_schema_current
from bot.services.deadlines import BatchDeadlines, as_records, batch_deadlines
from bot.services.official_calendar import data_version
from bot.services.policy_profiles import PolicyFileError, UnknownPolicy, get_profile, load_profiles
from bot.services.work_calendar import coverage
from bot.services.work_calendar_import import import_calendar, report_lines
from flows.commands import LOCALES

EVENT_OPTIONS = ("exam_date", "exam_end", "publicity_start", "publicity_end", "issue_date", "rejection_date")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _year(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise argparse.ArgumentTypeError(f"not a year: {value!r}")
    return int(value)


def _locale(app: App, requested: str | None) -> str:
    return app.i18n.resolve(requested or app.settings.default_locale)


async def _holidays_import(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    data = await asyncio.to_thread(args.file.read_bytes)
    async with app.sessions() as session:
        report = await import_calendar(
            app, session, data, None, year=args.year, force=args.force, dry_run=args.dry_run, source=args.file.name
        )
        if report.written:
            await session.commit()
        else:
            await session.rollback()
    for line in report_lines(app.i18n, _locale(app, args.lang), report):
        print(line)
    if report.failed:
        print("skillbot: error: nothing stored (see the lines above)", file=sys.stderr)
        return 1
    return 0


async def _holidays_list(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    today = datetime.now(timezone.utc).astimezone(app.tz).date()
    async with app.sessions() as session:
        found = await coverage(session, today)
    first, last = found.official
    print(f"official (chinesecalendar {data_version()}): {first}–{last}")
    for row in found.loaded:
        note = " (replaces the official data)" if first <= row.year <= last else ""
        print(
            f"loaded: {row.year}{note}: {len(row.holidays)} day(s) off, {len(row.workdays)} make-up working day(s); "
            f"from {row.source or '-'} (sha256 {row.sha256[:12]}…) at {row.loaded_at:%Y-%m-%d %H:%M} UTC"
        )
    missing = ", ".join(str(y) for y in found.missing) or "none"
    print(f"missing: {missing}; and every year before {first} — deadlines there are provisional (weekends-only)")
    return 0


def _print_table(app: App, locale: str, result: BatchDeadlines) -> None:
    render = app.i18n.render
    print(render(locale, "deadline.table.heading", {"policy": result.profile.name, "title": result.profile.title}))
    for item in result.deadlines:
        flags = [render(locale, "deadline.table.not_before")] if item.kind == NOT_BEFORE else []
        if item.provisional:
            flags.append(render(locale, "deadline.table.provisional"))
        marks = f"  [{', '.join(flags)}]" if flags else ""
        print(f"{item.rule:<14} {item.due.isoformat()}  {render(locale, f'deadline.{item.rule}.title')}{marks}")
        print(f"{'':<14} {item.basis}")
    for rule, event in result.waiting:
        event_name = render(locale, f"deadline.event.{event}")
        print(render(locale, "deadline.table.waiting", {"rule": rule, "event": event_name}))
    if result.provisional:
        print(render(locale, "deadline.table.provisional_note"))


async def _deadlines(args: argparse.Namespace, app: App) -> int:
    name = args.policy or app.settings.policy
    try:
        profile = get_profile(name)
    except UnknownPolicy as exc:
        print(f"skillbot: error: {exc}", file=sys.stderr)
        return 2
    except PolicyFileError as exc:
        raise CliError(f"policy profiles file: {exc}") from None
    if args.exam_end is not None and args.exam_end < args.exam_date:
        print("skillbot: error: --exam-end is before --exam-date", file=sys.stderr)
        return 2
    await ensure_schema_current(app)
    events = {event: getattr(args, event) for event in EVENT_OPTIONS}
    async with app.sessions() as session:
        result = await batch_deadlines(session, profile, events)
    locale = _locale(app, args.lang)
    if args.json:
        print(json.dumps(as_records(app.i18n, locale, result.deadlines), ensure_ascii=False, indent=2))
    else:
        _print_table(app, locale, result)
    return 0


def _known_policies() -> str:
    """Profile names for the help text; a broken profiles file must not break every other command."""
    try:
        return ", ".join(sorted(load_profiles()))
    except (OSError, ValueError):
        return "(the profiles file cannot be read)"


def register(sub: Any, command: Callable[..., Any]) -> None:
    """Add `holidays` and `deadlines` to the top-level subcommands (`command` is cli._command)."""
    holidays = command(sub, "holidays", "working-day calendar: load a year's holidays, list covered years",
                       "Official holidays and make-up working days (调休) per year: shipped for the years the chinesecalendar "
                       "package covers; other years are loaded by staff. Deadlines in a year without data are provisional.")
    holidays_sub = holidays.add_subparsers(dest="holidays_command", metavar="ACTION", required=True)
    imp = command(
        holidays_sub, "import", "load one year's arrangement from xlsx or CSV rows `date, kind` (all or nothing; audited)",
        "Read rows `date, kind` (kind 休/假/holiday for a day off, 班/workday for a make-up working day; an optional header "
        "row 日期/date; further columns ignored) from an xlsx or CSV file, check them (one year, real dates, no date twice "
        "with different kinds; a day off on a weekend or a working day on a weekday is reported as pointless and not "
        "stored) and store the year, replacing an earlier load. One line per row. Nothing is stored when any row has an "
        "error. A year the official data covers is refused without --force.", _holidays_import,
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="holiday arrangement (.xlsx or .csv)")
    imp.add_argument("--year", type=_year, metavar="Y", help="the year of the arrangement (default: the dates' year)")
    imp.add_argument("--dry-run", action="store_true", help="check and report without writing")
    imp.add_argument("--force", action="store_true", help="replace a year the official data covers")
    imp.add_argument("--lang", choices=LOCALES, help="language of the report (default: DEFAULT_LOCALE)")
    command(holidays_sub, "list", "years covered: official, loaded, missing",
            "Show the years of the official data, the years loaded by staff, and the years without data.", _holidays_list)

    deadlines = command(
        sub, "deadlines", "a batch's P-rule deadlines under a policy profile (table or --json)",
        "Derive the P-rule deadlines of a batch from its events under a policy profile (bot/data/policies.toml; known: "
        f"{_known_policies()}). Rules whose event is not given are listed as waiting (left out of --json). "
        "A date that depends on a year without holiday data is marked provisional.", _deadlines,
    )
    deadlines.add_argument("--policy", metavar="NAME", help="policy profile (default: POLICY)")
    deadlines.add_argument("--exam-date", type=_iso_date, required=True, metavar="D", help="first exam day (YYYY-MM-DD)")
    deadlines.add_argument("--exam-end", type=_iso_date, metavar="D", help="last exam day (default: the exam date)")
    deadlines.add_argument("--publicity-start", type=_iso_date, metavar="D", help="first day the results are publicized")
    deadlines.add_argument("--publicity-end", type=_iso_date, metavar="D",
                           help="last day of the publicity (default: its earliest possible end)")
    deadlines.add_argument("--issue-date", type=_iso_date, metavar="D", help="certificate issue date")
    deadlines.add_argument("--rejection-date", type=_iso_date, metavar="D", help="date certificate data was sent back")
    deadlines.add_argument("--lang", choices=LOCALES, help="language of the titles (default: DEFAULT_LOCALE)")
    deadlines.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
