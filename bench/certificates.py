"""Certificate registry: roster import rows/s, and lookup latency by number and by ID hash at a large table size."""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from openpyxl import Workbook
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.machine import describe
from bench.stats import Timing
from bot.app import App, build_app
from bot.data import demo_catalog as data
from bot.i18n import I18n
from bot.normalize import id_like
from bot.rules.cert_query import FOUND, QueryPair, QueryValue
from bot.services import cert_query, cert_roster_import
from bot.services.cert_roster_read import FIELDS
from bot.settings import Settings
from storage.models import Certificate, Institution, Occupation
from storage.repositories import certificates

PG_URL_ENV = "SKILLBOT_TEST_PG_URL"
DATA_KEY = "bench-data-key-0123456789abcdef-0123456789"
KINDS = ("number + name", "number + ID", "name + ID")
SCAN_SAMPLES = 20
USERS = 1000  # distinct users of the service-path queries


@dataclass(frozen=True)
class Sample:
    """The three values a certificate query may combine (K3)."""

    number: str
    name: str
    id_number: str


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench certificates", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="certificates imported into the large table (default 1000000)")
    parser.add_argument("--baseline-rows", type=int, default=10_000, help="rows of the small baseline table (default 10000)")
    parser.add_argument("--lookups", type=int, default=10_000, help="random lookups per pair kind (default 10000)")
    parser.add_argument("--xlsx-rows", type=int, default=20_000, help="rows of the xlsx import run (default 20000; 0 skips it)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help=f"database (postgres: server of {PG_URL_ENV})")
    parser.add_argument("--seed", type=int, default=data.SEED, help="seed of the generated certificates")
    return parser.parse_args(argv)


def _cells(i18n: I18n, items: Sequence[data.DemoCertificate]) -> Iterator[list[str]]:
    """Roster rows as the official form writes them: Chinese headers, ID type and level names."""
    yield [i18n.render("zh_CN", f"cert_import.col.{f}") for f in FIELDS]
    id_type = i18n.render("zh_CN", "id_type.201")
    levels = {n: i18n.render("zh_CN", f"level.{n}").split("/")[0] for n in range(1, 6)}
    for c in items:
        yield [
            c.holder_name, id_type, c.id_number, c.work_unit, c.occupation.name, c.occupation.work_type, levels[c.level],
            c.number, c.issue_date.isoformat(), data.INSTITUTION_NAME, data.INSTITUTION_NAME,
        ]


def write_csv(path: Path, i18n: I18n, items: Sequence[data.DemoCertificate]) -> Path:
    """The certificates as a UTF-8 CSV roster."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(_cells(i18n, items))
    return path


def write_xlsx(path: Path, i18n: I18n, items: Sequence[data.DemoCertificate]) -> Path:
    """The certificates as an xlsx roster (streamed)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in _cells(i18n, items):
        sheet.append(row)
    book.save(path)
    return path


@contextmanager
def _database(kind: str, folder: Path, label: str) -> Iterator[str]:
    """A fresh SQLite file, or a throwaway database on the PostgreSQL server of SKILLBOT_TEST_PG_URL (dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{label}.sqlite3'}"
        return
    base = os.environ.get(PG_URL_ENV, "").strip()
    if not base:
        raise SystemExit(f"{PG_URL_ENV} is not set (start a server with: export {PG_URL_ENV}=\"$(scripts/postgres.sh)\")")
    server = make_url(base).set(drivername="postgresql")
    name = f"skillbot_bench_{label}_{uuid.uuid4().hex[:8]}"
    maintenance = server.render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


async def _app(url: str, folder: Path) -> App:
    app = build_app(Settings(_env_file=None, database_url=url, data_dir=folder, data_key=DATA_KEY))  # type: ignore[call-arg]
    await app.create_schema()
    async with app.sessions() as session:
        school = Institution(code=data.INSTITUTION_CODE, name=data.INSTITUTION_NAME, kind=data.INSTITUTION_KIND)
        session.add(school)
        await session.flush()
        for o in data.OCCUPATIONS:
            session.add(Occupation(institution_id=school.id or 0, code=o.code, name=o.name, work_type=o.work_type, levels=list(o.levels)))
        await session.commit()
    return app


@dataclass(frozen=True)
class ImportRun:
    """One timed import: rows, wall seconds, CPU seconds of this process."""

    rows: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        """Rows per wall-clock second."""
        return self.rows / self.wall


async def _import(app: App, path: Path) -> ImportRun:
    wall, cpu = time.perf_counter(), time.process_time()
    report = await cert_roster_import.import_file(app, path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not report.written:
        lines = cert_roster_import.problem_lines(app.i18n, "en", report)[:5]
        raise SystemExit(f"the generated roster was refused: {report.problem_count} problem(s): {lines}")
    return ImportRun(report.created, wall, cpu)


async def _timed(calls: Sequence[Callable[[], Awaitable[bool]]]) -> Timing:
    """Wall time of every call (a lookup with its check); fails when a lookup misses."""
    seconds: list[float] = []
    started = time.perf_counter()
    for call in calls:
        start = time.perf_counter()
        if not await call():
            raise SystemExit("a lookup did not find its certificate")
        seconds.append(time.perf_counter() - start)
    return Timing(tuple(seconds), time.perf_counter() - started)


async def _lookups(app: App, samples: Sequence[Sample]) -> dict[str, Timing]:
    """p50/p95/p99 inputs of the three pair kinds, as the query service resolves them (by number, by ID hash)."""
    cipher = app.cipher
    out: dict[str, Timing] = {}
    async with app.sessions() as session:

        async def number_name(s: Sample) -> bool:
            found = await certificates.by_number(session, s.number)
            return found is not None and found.holder_name == s.name

        async def number_id(s: Sample) -> bool:
            found = await certificates.by_number(session, s.number)
            return found is not None and found.id_number_hash == cipher.lookup_hash(id_like(s.id_number))

        async def name_id(s: Sample) -> bool:
            found = await certificates.by_id_hash(session, cipher.lookup_hash(id_like(s.id_number)) or "")
            return any(c.holder_name == s.name for c in found)

        for kind, check in zip(KINDS, (number_name, number_id, name_id)):
            await check(samples[0])  # warm-up
            out[kind] = await _timed([lambda s=s, check=check: check(s) for s in samples])  # type: ignore[misc]
            await session.rollback()
    return out


async def _service(app: App, samples: Sequence[Sample]) -> Timing:
    """The whole `/cert` answer as `cert_query.lookup` gives it, committed: per-user limit check, match, query record,
    masked audit row, alarm count. Queries come 2 s apart on the simulated clock (300 in the 10-minute alarm window,
    the alarm threshold), from USERS users, kinds in turn."""
    start = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    ticks = itertools.count()
    async with app.sessions() as session:

        async def query(s: Sample, kind: str) -> bool:
            tick = next(ticks)
            values = {"number": QueryValue("number", s.number), "name": QueryValue("name", s.name), "id": QueryValue("id", s.id_number)}
            first, second = kind.replace(" ", "").replace("ID", "id").split("+")
            pair = QueryPair(values[first], values[second])
            facts = await cert_query.lookup(app, session, tick % USERS, pair, start + timedelta(seconds=2 * tick))
            await session.commit()
            return facts["lookup"] is not None and facts["lookup"]["outcome"] == FOUND

        calls = [lambda s=s, kind=KINDS[i % len(KINDS)]: query(s, kind) for i, s in enumerate(samples)]
        await query(samples[0], KINDS[0])  # warm-up
        return await _timed(calls)  # type: ignore[arg-type]


async def _scan(app: App, samples: Sequence[Sample]) -> Timing:
    """Name-only lookups: no index, a full table scan each (what the indexes spare)."""
    table = Certificate.__table__.c  # type: ignore[attr-defined]
    async with app.sessions() as session:

        async def by_name(s: Sample) -> bool:
            result = await session.execute(select(table.number).where(table.holder_name == s.name))
            return s.number in {row[0] for row in result}

        return await _timed([lambda s=s: by_name(s) for s in samples])  # type: ignore[misc]


def _samples(items: Sequence[data.DemoCertificate], count: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    picked = [items[rng.randrange(len(items))] for _ in range(count)]
    return [Sample(c.number, c.holder_name, c.id_number) for c in picked]


def _latency(label: str, timing: Timing, baseline: Timing | None) -> str:
    p50, p95, p99 = (timing.percentile_ms(q) for q in (0.5, 0.95, 0.99))
    ratio = f"{p99 / baseline.percentile_ms(0.99):>7.2f}x" if baseline is not None else ""
    return f"  {label:<38} {p50:>8.3f} {p95:>8.3f} {p99:>8.3f} {ratio}"


async def _run(options: argparse.Namespace, folder: Path) -> None:
    i18n = I18n()
    started = time.perf_counter()
    items = data.generate_certificates(max(options.rows, options.baseline_rows), options.seed)
    small = data.generate_certificates(options.baseline_rows, options.seed + 1)
    generated = time.perf_counter() - started
    big_csv = write_csv(folder / "roster.csv", i18n, items[: options.rows])
    small_csv = write_csv(folder / "small.csv", i18n, small)
    xlsx = write_xlsx(folder / "roster.xlsx", i18n, small[: options.xlsx_rows]) if options.xlsx_rows else None
    files = time.perf_counter() - started - generated
    print(f"machine: {describe()}")
    print(f"database: {options.db}; data: {options.rows} + {options.baseline_rows} generated certificates (seed {options.seed}), "
          f"one institution, 4 filed occupations; generation {generated:.1f} s, files {files:.1f} s "
          f"(CSV {big_csv.stat().st_size / 1e6:.1f} MB)")
    with _database(options.db, folder, "small") as small_url, _database(options.db, folder, "large") as large_url:
        small_app, large_app = await _app(small_url, folder), await _app(large_url, folder)
        try:
            xlsx_run = None
            if xlsx is not None:
                with _database(options.db, folder, "xlsx") as xlsx_url:
                    xlsx_app = await _app(xlsx_url, folder)
                    try:
                        xlsx_run = await _import(xlsx_app, xlsx)
                    finally:
                        await xlsx_app.close()
            small_run = await _import(small_app, small_csv)
            large_run = await _import(large_app, big_csv)
            print("import (skillbot import-certificates path: read, check, hash, encrypt, insert; one transaction)")
            print(f"  {'':<38} {'rows':>9} {'rows/s':>9} {'CPU s':>8} {'wall s':>8}")
            for label, run in (("CSV, empty table", small_run), ("CSV, empty table (large run)", large_run), ("xlsx, empty table", xlsx_run)):
                if run is not None:
                    print(f"  {label:<38} {run.rows:>9} {run.rate:>9.0f} {run.cpu:>8.1f} {run.wall:>8.1f}")
            large_samples = _samples(items[: options.rows], options.lookups, options.seed)
            small_samples = _samples(small, options.lookups, options.seed)
            small_times = await _lookups(small_app, small_samples)
            large_times = await _lookups(large_app, large_samples)
            scan = await _scan(large_app, large_samples[:SCAN_SAMPLES])
            small_service = await _service(small_app, small_samples)
            large_service = await _service(large_app, large_samples)
        finally:
            await small_app.close()
            await large_app.close()
    print(f"lookups: {options.lookups} random certificates per pair kind, wall ms per lookup (one query + the check); "
          f"ratio = p99 against the same lookups on the {options.baseline_rows}-row table")
    print(f"  {'':<38} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ratio':>8}")
    for kind in KINDS:
        print(_latency(f"{kind}, {options.baseline_rows} rows", small_times[kind], None))
        print(_latency(f"{kind}, {options.rows} rows", large_times[kind], small_times[kind]))
    print(_latency(f"name only, no index, {options.rows} rows (n={SCAN_SAMPLES})", scan, large_times[KINDS[0]]))
    print("service path (cert_query.lookup + commit: limit check, match, query record, masked audit, alarm count)")
    print(_latency(f"all kinds, {options.baseline_rows} rows", small_service, None))
    print(_latency(f"all kinds, {options.rows} rows", large_service, small_service))


def main(argv: list[str]) -> int:
    """Run the certificates benchmark and print the figures."""
    options = _options(argv)
    with tempfile.TemporaryDirectory(prefix="skillbot-bench-") as folder:
        asyncio.run(_run(options, Path(folder)))
    return 0
