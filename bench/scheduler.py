"""Scheduler: 10,000 stored reminder jobs — restart reload time and how late due jobs fire (against a 100-job baseline).

Phases, each on a fresh database (SQLite file, or a throwaway PostgreSQL database with `--db postgres`):

1. write N jobs (default 10,000) a day ahead through `SchedulerService.schedule`, as the reminder planners do;
2. restart: a new App and `start_scheduler` on the same database, timed until the store is open and the first scan
   for due jobs has finished (`reload`), then the stored job ids are listed to check nothing was lost;
3. lateness: F jobs (default 2,000) due over a few seconds are added to the N stored ones and the scheduler runs
   them; each job records `fired - due`; p50 / p99 / max are printed;
4. the same with 100 stored jobs and 100 firing: the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.certificates import DATA_KEY, _database
from bot.app import App, build_app
from bot.scheduler.service import SchedulerService, start_scheduler
from bot.settings import Settings

FIRED: list[float] = []  # lateness in seconds of each fired job (module level: jobs are stored by reference)
FUNC = "bench.scheduler:fired"
POLL = 5.0  # the production poll interval


async def fired(due_us: int) -> None:
    """The benchmark job: record how late it runs."""
    FIRED.append(time.time() - due_us / 1_000_000)


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench scheduler", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="stored reminder jobs (default 10000)")
    parser.add_argument("--firing", type=int, default=2_000, help="jobs due within --spread seconds (default 2000)")
    parser.add_argument("--spread", type=float, default=3.0, help="seconds over which the firing jobs are due (default 3)")
    parser.add_argument("--baseline", type=int, default=100, help="stored and firing jobs of the baseline (default 100)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="database (postgres: SKILLBOT_TEST_PG_URL)")
    return parser.parse_args(argv)


async def _app(url: str, folder: Path) -> App:
    app = build_app(Settings(_env_file=None, database_url=url, data_dir=folder, data_key=DATA_KEY))  # type: ignore[call-arg]
    await app.create_schema()
    return app


async def _write(service: SchedulerService, count: int, start: datetime, prefix: str) -> float:
    began = time.perf_counter()
    for i in range(count):
        at = start + timedelta(milliseconds=i)
        await service.schedule(f"{prefix}:{i}", at, FUNC, (int(at.timestamp() * 1_000_000),))
    return time.perf_counter() - began


async def _restart(url: str, folder: Path, expected: int) -> tuple[float, float]:
    """(seconds until the store is open and the first due scan is over, seconds to list the stored ids)."""
    app = await _app(url, folder)
    began = time.perf_counter()
    service = await start_scheduler(app, poll_seconds=POLL)
    while service.scheduler._scan_task is None:  # the first scan is requested from the loop right after start
        await asyncio.sleep(0)
    await service.scheduler._scan_task
    reload = time.perf_counter() - began
    began = time.perf_counter()
    ids = await service.job_ids()
    listed = time.perf_counter() - began
    if len(ids) < expected:
        raise SystemExit(f"only {len(ids)} of {expected} jobs were found after the restart")
    await service.shutdown()
    await app.close()
    return reload, listed


async def _lateness(url: str, folder: Path, firing: int, spread: float) -> list[float]:
    """Write `firing` jobs due over `spread` seconds once written (as another process would), then run them on a
    started scheduler next to the stored ones; their lateness, sorted."""
    app = await _app(url, folder)
    writer = await start_scheduler(app, paused=True)
    began = time.perf_counter()
    await _write(writer, 20, datetime.now(timezone.utc) + timedelta(days=2), "probe")
    per_job = (time.perf_counter() - began) / 20
    first = datetime.now(timezone.utc) + timedelta(seconds=2 + 1.5 * per_job * firing)
    step = spread / max(1, firing)
    for i in range(firing):
        at = first + timedelta(seconds=i * step)
        await writer.schedule(f"fire:{i}", at, FUNC, (int(at.timestamp() * 1_000_000),))
    await writer.shutdown()
    FIRED.clear()
    service = await start_scheduler(app, poll_seconds=POLL)
    deadline = time.monotonic() + 120 + spread
    while len(FIRED) < firing and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await service.shutdown()
    await app.close()
    return sorted(FIRED)


def _pct(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] * 1000 if values else float("nan")


async def _run(stored: int, firing: int, spread: float, kind: str, folder: Path, label: str) -> dict[str, float]:
    with _database(kind, folder, label) as url:
        app = await _app(url, folder)
        writer = await start_scheduler(app, paused=True)
        write = await _write(writer, stored, datetime.now(timezone.utc) + timedelta(days=1), "rem")
        await writer.shutdown()
        await app.close()
        reload, listed = await _restart(url, folder, stored)
        late = await _lateness(url, folder, firing, spread)
    return {
        "stored": stored, "write_s": write, "reload_s": reload, "list_s": listed, "fired": len(late), "firing": firing,
        "p50_ms": _pct(late, 0.50), "p99_ms": _pct(late, 0.99), "max_ms": late[-1] * 1000 if late else float("nan"),
        "mean_ms": statistics.fmean(late) * 1000 if late else float("nan"),
    }


def main(argv: list[str]) -> int:
    """Run the scheduler benchmark and print the figures."""
    options = _options(argv)
    with tempfile.TemporaryDirectory(prefix="skillbot-bench-scheduler-") as tmp:
        folder = Path(tmp)
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        base = asyncio.run(_run(options.baseline, options.baseline, options.spread, options.db, folder, "baseline"))
        big = asyncio.run(_run(options.jobs, options.firing, options.spread, options.db, folder, "large"))
    print(f"scheduler benchmark on {options.db}")
    print("| stored jobs | write s | restart reload s | list ids s | fired | lateness p50 / p99 / max ms |")
    print("|---|---|---|---|---|---|")
    for r in (base, big):
        print(f"| {r['stored']:,} | {r['write_s']:.1f} | {r['reload_s']:.3f} | {r['list_s']:.3f} | "
              f"{r['fired']:,}/{r['firing']:,} | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} / {r['max_ms']:.0f} |")
    ok = big["reload_s"] < 2.0 and big["max_ms"] < 1000 and big["fired"] == big["firing"]
    print("targets (reload < 2 s, every job < 1 s late):", "met" if ok else "NOT met")
    return 0 if ok else 1
