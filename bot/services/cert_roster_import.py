"""Import a certificate roster all or nothing: every row checked (K1, K2, R5, L1, L5), compared with the store, then
inserted in batches with the ID number encrypted and its lookup hash; one audit row with the counts.

One pass over the file in chunks (`cert_roster_chunks`): reading, checking, hashing and (for an import) encrypting run
off the event loop — in a worker thread, or for big files in a child process that works ahead on a second core. Each
chunk's numbers are looked up in one query and its new rows are inserted in bulk (`certificates.insert_rows`: COPY on
PostgreSQL, one driver executemany on SQLite) as long as no problem has been found. Any problem stops the inserts and
the caller rolls the transaction back, so nothing is stored. A row identical to a stored certificate is not a problem:
it is counted as unchanged (importing a file twice is harmless). No ORM objects or SQL are built per row; see
bench/certificates.py for the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import operator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.i18n import I18n
from bot.pii import PiiCipher
from bot.rules.id_types import ID_TYPES
from bot.services.cert_roster import FiledOccupation, Problem, ScopeChecker, column
from bot.services.cert_roster_chunks import PROCESS_MIN_BYTES, Checked, Good, chunks
from bot.services.cert_roster_read import RosterFileError, Vocabulary
from storage.models import utcnow
from storage.repositories import announcements, audit, certificates

LISTED = 1000  # problems kept with their details; later ones are only counted
CLI_LOCALE = "en"
# ROSTER_SIGNATURE as roster columns, to name what differs in a conflict, and where its values sit in a checked row.
SIGNATURE_COLUMNS = ("name", "id_type", "id_number", "work_unit", "occupation", "work_type", "level", "issue_date", "evaluator", "issuer")
_SIGNATURE = operator.itemgetter(1, 2, 4, 5, 6, 7, 8, 9, 10, 11)


@dataclass
class RosterReport:
    """What a roster check or import found: counts, the first problems, and whether it was written."""

    format: str = ""
    rows: int = 0
    created: int = 0  # new certificates (to be) inserted
    unchanged: int = 0  # rows identical to a stored certificate
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    written: bool = False
    sha256: str = ""
    listed: int = LISTED

    @property
    def failed(self) -> bool:
        """True when any row (or the file) has a problem: nothing may be imported."""
        return self.problem_count > 0

    @property
    def unlisted(self) -> int:
        """Problems counted but not kept in `problems`."""
        return self.problem_count - len(self.problems)

    def add(self, problems: list[Problem]) -> None:
        """Count problems, keeping the first `listed` of them."""
        self.problem_count += len(problems)
        room = self.listed - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])


def vocabulary(i18n: I18n) -> Vocabulary:
    """Header, ID type and level names of every locale."""
    return Vocabulary.from_catalogues(i18n.catalogues, [t.code for t in ID_TYPES])


def local_today(app: App) -> date:
    """Today in the configured time zone (issue dates after it are refused)."""
    return datetime.now(timezone.utc).astimezone(app.tz).date()


async def scope_checker(session: AsyncSession) -> ScopeChecker:
    """The filed scope (L5) of every institution, loaded once per import."""
    bodies = [(i.id or 0, i.code, i.name) for i in await announcements.institutions(session)]
    filed = [
        FiledOccupation(o.institution_id, o.name, o.code, o.work_type, frozenset(o.levels))
        for o, _ in await announcements.filed_occupations(session)
    ]
    return ScopeChecker(bodies, filed)


def _conflict(row: int, stored: tuple[Any, ...], mine: tuple[Any, ...]) -> Problem:
    differing = [column(name) for name, a, b in zip(SIGNATURE_COLUMNS, stored, mine) if a != b]
    return Problem(row, "conflict", {"columns": differing})


def _file_problem(exc: RosterFileError) -> Problem:
    params = dict(exc.params)
    if "columns" in params:
        params["columns"] = [column(str(name)) for name in params["columns"]]  # type: ignore[attr-defined]
    return Problem(0, exc.code, params)


async def check_roster(
    app: App,
    session: AsyncSession,
    data: bytes,
    today: date,
    *,
    write: bool,
    actor_id: int | None,
    listed: int = LISTED,
    release_reads: bool = False,
    process_min_bytes: int = PROCESS_MIN_BYTES,
) -> RosterReport:
    """Check a roster file against the rules and the store; with `write`, insert its new rows and audit the import.

    The caller commits when `report.written`, else rolls back (rows may have been inserted before a later problem).
    `release_reads` (checks only) ends the read transaction after every chunk so a long check blocks no writer.
    """
    report = RosterReport(sha256=hashlib.sha256(data).hexdigest(), listed=listed)
    scope = await scope_checker(session)
    seen: dict[str, int] = {}
    now = utcnow()
    tail = ("valid", None, "import", None, 0, 1, now, now)  # status … updated_at of ROSTER_INSERT
    produced = chunks(data, vocabulary(app.i18n), today, scope, app.cipher, process_min_bytes)
    cache = certificates.bulk_cache(session) if write else contextlib.nullcontext()
    async with contextlib.aclosing(produced), cache:
        try:
            async for file_format, chunk in produced:
                report.format = file_format
                await _store_chunk(session, app.cipher, report, chunk, seen, tail if write else None)
                if release_reads and not write:
                    await session.rollback()
        except RosterFileError as exc:
            report.add([_file_problem(exc)])
    if report.rows == 0 and not report.failed:
        report.add([Problem(0, "no_rows")])
    if write and not report.failed:
        after = {"rows": report.rows, "created": report.created, "unchanged": report.unchanged, "format": report.format,
                 "sha256": report.sha256}
        await audit.record(session, actor_id, "import", "certificate", "roster", None, after)
        report.written = True
    return report


def _encrypted(rows: list[tuple[Any, ...]], cipher: PiiCipher, tail: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """ROSTER_INSERT tuples: the ID number (position 3) encrypted, status … updated_at appended."""
    return [values[:3] + (cipher.encrypt(values[3]),) + values[4:] + tail for values in rows]


async def _store_chunk(
    session: AsyncSession,
    cipher: PiiCipher,
    report: RosterReport,
    chunk: list[Checked],
    seen: dict[str, int],
    tail: tuple[Any, ...] | None,
) -> None:
    """Count a checked chunk: problems, duplicates within the file, rows already stored (same or conflicting), new
    rows; with `tail` (an import), insert the new rows while the import has no problem."""
    report.rows += len(chunk)
    fresh: list[Good] = []
    for item in chunk:
        if isinstance(item, list):
            report.add(item)
            continue
        row, values = item
        first = seen.setdefault(values[0], row)
        if first != row:
            report.add([Problem(row, "duplicate_in_file", {"first_row": first})])
        else:
            fresh.append(item)
    stored = await certificates.stored_signatures(session, [values[0] for _, values in fresh])
    new: list[tuple[Any, ...]] = []
    for row, values in fresh:
        old = stored.get(values[0])
        if old is None:
            new.append(values)
            continue
        mine = _SIGNATURE(values)
        if old == mine:
            report.unchanged += 1
        else:
            report.add([_conflict(row, old, mine)])
    report.created += len(new)
    if tail is not None and not report.failed and new:
        await certificates.insert_rows(session, await asyncio.to_thread(_encrypted, new, cipher, tail))


async def import_file(app: App, path: Path, dry_run: bool = False, listed: int = 100_000) -> RosterReport:
    """`skillbot import-certificates`: check the file and, unless a dry run, import it in one transaction."""
    data = await asyncio.to_thread(path.read_bytes)
    async with app.sessions() as session:
        report = await check_roster(
            app, session, data, local_today(app), write=not dry_run, actor_id=None, listed=listed, release_reads=dry_run
        )
        if report.written:
            await session.commit()
        else:
            await session.rollback()
    return report


def problem_key(problem: Problem) -> str:
    """The catalogue key of a problem: `cert_import.file.<code>` for the whole file, else `cert_import.problem.<code>`."""
    return f"cert_import.{'file' if problem.row == 0 else 'problem'}.{problem.code}"


def problem_lines(i18n: I18n, locale: str, report: RosterReport) -> list[str]:
    """One line per problem (“row 7: …”, or “file: …”) for the command line."""
    lines = []
    for p in report.problems:
        where = f"row {p.row}" if p.row else "file"
        lines.append(f"{where}: {i18n.render(locale, problem_key(p), p.params)}")
    if report.unlisted:
        lines.append(f"… and {report.unlisted} more problem(s)")
    return lines

