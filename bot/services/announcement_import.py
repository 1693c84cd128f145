"""`skillbot import-announcements`: validate every entry against the store and the rules, then write all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules import announcements as rules
from bot.services import announcement_file as files
from bot.services import announcements
from flows.announce_inputs import problem_params
from storage.models import Institution, Occupation
from storage.repositories import announcements as repo
from storage.repositories import catalog

CLI_LOCALE = "en"


@dataclass(frozen=True)
class EntryOutcome:
    """What happened (or would happen) to one entry, or why it was refused."""

    index: int
    title: str
    change: str = ""
    announcement_id: int | None = None
    problems: list[rules.Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    """Per-entry outcomes; `written` is True only when every entry was valid and this was not a dry run."""

    outcomes: list[EntryOutcome]
    written: bool

    @property
    def failed(self) -> list[EntryOutcome]:
        """Entries with problems."""
        return [o for o in self.outcomes if o.problems]


@dataclass(frozen=True)
class _Resolved:
    institution: Institution
    occupation: Occupation
    spec: rules.AnnouncementSpec


def _institution(entry: files.Entry, institutions: list[Institution]) -> Institution | rules.Problem:
    if entry.institution is None:
        return institutions[0] if len(institutions) == 1 else rules.Problem("institution_needed")
    found = next((i for i in institutions if i.code == entry.institution), None)
    return found or rules.Problem("unknown_institution", {"code": entry.institution})


async def _occupation(session: AsyncSession, institution: Institution, entry: files.Entry) -> Occupation | rules.Problem:
    assert institution.id is not None
    candidates = await repo.occupations_of(session, institution.id, entry.occupation)
    if entry.work_type is not None:
        candidates = [o for o in candidates if o.work_type == entry.work_type]
    if len(candidates) > 1:
        return rules.Problem("ambiguous_occupation", {"code": entry.occupation})
    if not candidates:
        return rules.Problem("unknown_occupation", {"code": entry.occupation, "work_type": entry.work_type or ""})
    return candidates[0]


async def _resolve(
    session: AsyncSession, entry: files.Entry, institutions: list[Institution], today: date
) -> _Resolved | list[rules.Problem]:
    """The entry's institution and filed occupation, checked with the shared rules (L5, R1, R3, L2, L4, O2)."""
    institution = _institution(entry, institutions)
    if isinstance(institution, rules.Problem):
        return [institution]
    occupation = await _occupation(session, institution, entry)
    if isinstance(occupation, rules.Problem):
        return [occupation]
    assert institution.id is not None
    existing = await catalog.announcement_by_title(session, institution.id, entry.spec.title)
    kept_start = existing.registration_start if existing is not None else None
    problems = rules.check(entry.spec, tuple(occupation.levels), today, kept_start)
    return problems or _Resolved(institution, occupation, entry.spec)


async def _validate(session: AsyncSession, raw_entries: list[Any], today: date) -> tuple[list[EntryOutcome], list[_Resolved]]:
    institutions = await repo.institutions(session)
    outcomes: list[EntryOutcome] = []
    resolved: list[_Resolved] = []
    seen: dict[tuple[int, str], int] = {}
    for index, raw in enumerate(raw_entries, start=1):
        title = files.entry_title(raw)
        entry, problems = files.parse_entry(raw)
        found = await _resolve(session, entry, institutions, today) if entry is not None else problems
        if isinstance(found, list):
            outcomes.append(EntryOutcome(index, title, problems=found))
            continue
        key = (found.institution.id or 0, found.spec.title)
        if key in seen:
            outcomes.append(EntryOutcome(index, title, problems=[rules.Problem("duplicate_title", {"entry": seen[key]})]))
            continue
        seen[key] = index
        outcomes.append(EntryOutcome(index, title))
        resolved.append(found)
    return outcomes, resolved


async def import_entries(app: App, raw_entries: list[Any], today: date, dry_run: bool = False) -> ImportReport:
    """Validate all entries, then create or update them in one transaction (rolled back on a dry run or any error)."""
    if not raw_entries:
        return ImportReport([EntryOutcome(0, "", problems=[rules.Problem("no_entries")])], written=False)
    async with app.sessions() as session:
        outcomes, resolved = await _validate(session, raw_entries, today)
        if any(o.problems for o in outcomes):
            await session.rollback()
            return ImportReport(outcomes, written=False)
        done = []
        for outcome, item in zip(outcomes, resolved):
            assert item.institution.id is not None and item.occupation.id is not None
            change, row = await announcements.upsert(session, None, item.institution.id, item.occupation.id, item.spec)
            done.append(EntryOutcome(outcome.index, outcome.title, change, None if dry_run and change == "created" else row.id))
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
    return ImportReport(done, written=not dry_run)


async def import_file(app: App, path: Path, dry_run: bool = False) -> ImportReport:
    """Read a TOML announcement file and import it (today is the local date in the configured time zone)."""
    raw_entries = files.read(path)
    today = datetime.now(timezone.utc).astimezone(app.tz).date()
    return await import_entries(app, raw_entries, today, dry_run)


def report_lines(app: App, report: ImportReport, dry_run: bool) -> tuple[list[str], list[str]]:
    """Lines for stdout (one per entry) and stderr (one per problem), problems rendered from the catalogue."""
    out: list[str] = []
    err: list[str] = []
    for o in report.outcomes:
        where = f"entry {o.index}" + (f" “{o.title}”" if o.title else "") if o.index else "file"
        for problem in o.problems:
            err.append(f"{where}: {app.i18n.render(CLI_LOCALE, f'announce.problem.{problem.code}', problem_params(problem))}")
        if o.change:  # entries of a refused file have none: nothing happened to them
            verb = f"would be {o.change}" if dry_run and o.change != "unchanged" else o.change
            out.append(f"{where}: {verb}" + (f" (announcement #{o.announcement_id})" if o.announcement_id else ""))
    return out, err
