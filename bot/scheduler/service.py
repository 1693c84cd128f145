"""The `Jobs` implementation: APScheduler 3 on the asyncio loop, jobs persisted in the shared database.

Every job-store access (they are synchronous SQL) runs in a worker thread, never on the event loop: on SQLite the
store takes the database's write lock (BEGIN IMMEDIATE) even to read, and waiting for it on the loop would freeze
the very async session that holds it. That covers the API calls here and the scheduler's own scans for due jobs.
Due coroutine jobs are handed back to the loop. Scans also run every `poll_seconds`, so jobs another process wrote
into the shared store are picked up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.executors.base import run_coroutine_job, run_job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED, BaseScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import iscoroutinefunction_partial
from sqlalchemy import delete, select

from bot.scheduler import runtime
from bot.scheduler.api import JobArg
from bot.scheduler.lease import LeaderLease
from sqlalchemy import Engine, create_engine

from storage.db import configure_sqlite, ensure_sqlite_dir, is_sqlite, sync_url

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

TABLE = "apscheduler_jobs"  # created by migration 0003; the store creates it too when missing (tests)
POLL_SECONDS = 5.0
DRAIN_SECONDS = 10.0
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}  # late jobs run once; they decide


def store_engine(database_url: str) -> Engine:
    """The job store's sync engine: pooled (a due scan removes each fired job in its own transaction, and a new
    connection per statement would cap how many jobs a second can fire), with the app's SQLite WAL hooks."""
    ensure_sqlite_dir(database_url)
    engine = create_engine(sync_url(database_url), pool_size=4, max_overflow=4)
    if is_sqlite(database_url):
        configure_sqlite(engine)
    return engine


class LoopHandoffExecutor(AsyncIOExecutor):
    """Runs due jobs on the scheduler's event loop; may be called from the scanning worker thread."""

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        """Submit thread-safely: coroutine jobs as loop tasks, plain functions in the loop's default thread pool."""
        if iscoroutinefunction_partial(job.func):
            coro = run_coroutine_job(job, job._jobstore_alias, run_times, self._logger.name)
        else:
            coro = asyncio.to_thread(run_job, job, job._jobstore_alias, run_times, self._logger.name)
        future = asyncio.run_coroutine_threadsafe(coro, self._eventloop)

        def done(f: concurrent.futures.Future[Any]) -> None:
            self._pending_futures.discard(f)
            try:
                events = f.result()
            except BaseException as exc:  # reported to the scheduler like AsyncIOExecutor does
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, events)

        self._pending_futures.add(future)
        future.add_done_callback(done)

    def pending(self) -> list[concurrent.futures.Future[Any]]:
        """Jobs submitted and not finished yet."""
        return [f for f in list(self._pending_futures) if not f.done()]


class ThreadedScanScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose scans for due jobs run in a worker thread, at least every `poll_seconds`."""

    def __init__(self, poll_seconds: float, **options: Any) -> None:
        super().__init__(**options)
        self.poll_seconds = poll_seconds
        self._scan_task: asyncio.Task[None] | None = None
        self._rescan = False

    def wakeup(self) -> None:
        """Ask for a scan (thread-safe; coalesces with a scan already running)."""
        loop = self._eventloop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._request_scan)

    def _request_scan(self) -> None:
        if self.state != STATE_RUNNING:
            return
        self._stop_timer()
        if self._scan_task is not None and not self._scan_task.done():
            self._rescan = True
            return
        self._scan_task = self._eventloop.create_task(self._scan())

    async def _scan(self) -> None:
        wait: float | None = None
        while True:
            self._rescan = False
            try:
                wait = await asyncio.to_thread(self._process_jobs)
            except Exception:  # keep scanning; the next poll retries
                log.exception("scan for due jobs failed")
                wait = None
            if not (self._rescan and self.state == STATE_RUNNING):
                break
        if self.state == STATE_RUNNING:
            self._start_timer(self.poll_seconds if wait is None else min(wait, self.poll_seconds))

    async def quiesce(self) -> None:
        """Stop the timer and wait for a scan in progress (call on the loop, after pausing or stopping)."""
        self._stop_timer()
        task = self._scan_task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop executors and stores (thread-safe; the loop-side timer is stopped by `quiesce`)."""
        BaseScheduler.shutdown(self, wait)


class SchedulerService:
    """`Jobs` on APScheduler with a SQLAlchemy job store in the application database."""

    def __init__(self, app: App, poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.lease: LeaderLease | None = None
        self._lease_stop = asyncio.Event()
        self._lease_task: asyncio.Task[None] | None = None
        self.store = SQLAlchemyJobStore(engine=store_engine(app.settings.resolved_database_url), tablename=TABLE)
        self.executor = LoopHandoffExecutor()
        self.scheduler = ThreadedScanScheduler(
            poll_seconds,
            jobstores={"default": self.store},
            executors={"default": self.executor},
            job_defaults=dict(JOB_DEFAULTS),
            timezone=timezone.utc,
            event_loop=asyncio.get_running_loop(),
        )

    @property
    def paused(self) -> bool:
        """True when this process only writes jobs and does not run them."""
        return self.scheduler.state != STATE_RUNNING

    async def start(self, paused: bool = False) -> None:
        """Start the store (creating its table when missing) and, unless paused, job processing."""
        await asyncio.to_thread(self.scheduler.start, paused)

    def follow_lease(self, lease: LeaderLease) -> None:
        """Run jobs only while `lease` is held: a background task takes/renews it, resuming and pausing the scheduler."""
        self.lease = lease
        self._lease_task = asyncio.create_task(
            lease.run(self._lease_stop, self._on_gain, self._on_loss), name="scheduler-lease"
        )

    async def _on_gain(self) -> None:
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.resume()

    async def _on_loss(self) -> None:
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.pause()
        await self.scheduler.quiesce()

    async def _stop_lease(self) -> None:
        """Stop following the lease: pause, then release it so another process takes over at once."""
        task, self._lease_task = self._lease_task, None
        if task is None:
            return
        self._lease_stop.set()
        try:
            await task
        except Exception as exc:  # the lease simply expires
            log.warning("scheduler lease task ended with %s", type(exc).__name__)

    async def schedule(self, job_id: str, run_at: datetime, func: str, args: tuple[JobArg, ...]) -> None:
        """Add or replace the job `job_id` to call `func` ("module:function") with `args` at `run_at`."""
        if run_at.tzinfo is None or run_at.utcoffset() is None:
            raise ValueError("run_at must be timezone-aware")
        if ":" not in func:
            raise ValueError(f"func must be a 'module:function' reference, not {func!r}")
        trigger = DateTrigger(run_date=run_at.astimezone(timezone.utc), timezone=timezone.utc)
        await asyncio.to_thread(
            self.scheduler.add_job, func, trigger, args=tuple(args), id=job_id, name=job_id, replace_existing=True
        )

    async def cancel(self, job_id: str) -> bool:
        """Remove a job; False when there was none."""
        try:
            await asyncio.to_thread(self.scheduler.remove_job, job_id)
        except JobLookupError:
            return False
        return True

    async def cancel_prefix(self, prefix: str) -> int:
        """Remove every job whose id starts with `prefix` in one statement; returns how many."""
        if not prefix:
            raise ValueError("an empty prefix would remove every job")
        statement = delete(self.store.jobs_t).where(self.store.jobs_t.c.id.startswith(prefix, autoescape=True))
        return await asyncio.to_thread(self._execute_count, statement)

    async def run_time(self, job_id: str) -> datetime | None:
        """When a job is due (timezone-aware, UTC), or None when there is no such job."""
        job = await asyncio.to_thread(self.scheduler.get_job, job_id)
        return None if job is None else job.next_run_time

    async def job_ids(self, prefix: str = "") -> list[str]:
        """Ids of the stored jobs starting with `prefix`, sorted (for diagnostics and tests)."""
        column = self.store.jobs_t.c.id
        statement = select(column).order_by(column)
        if prefix:
            statement = statement.where(column.startswith(prefix, autoescape=True))
        return await asyncio.to_thread(self._fetch_ids, statement)

    def _execute_count(self, statement: Any) -> int:
        with self.store.engine.begin() as conn:
            return int(conn.execute(statement).rowcount or 0)

    def _fetch_ids(self, statement: Any) -> list[str]:
        with self.store.engine.begin() as conn:
            return [str(row[0]) for row in conn.execute(statement)]

    async def shutdown(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Stop taking due jobs, let running ones finish (up to `drain_seconds`), stop; unbinds and clears `app.jobs`."""
        try:
            await self._stop_lease()
            if self.scheduler.state == STATE_STOPPED:
                return
            if self.scheduler.state == STATE_RUNNING:
                self.scheduler.pause()
            await self.scheduler.quiesce()
            pending = [asyncio.wrap_future(f) for f in self.executor.pending()]
            if pending:
                _done, late = await asyncio.wait(pending, timeout=drain_seconds)
                if late:
                    log.warning("%d job(s) still running at shutdown are cancelled", len(late))
            await asyncio.to_thread(self.scheduler.shutdown, False)
            await self.scheduler.quiesce()
        finally:
            if self.app.jobs is self:
                self.app.jobs = None
            runtime.unbind(self.app)


async def start_scheduler(
    app: App, *, paused: bool = False, poll_seconds: float = POLL_SECONDS, leader: bool = False
) -> SchedulerService:
    """Start the persistent scheduler for `app`: sets `app.jobs` and binds the runtime for job functions.

    With `paused=True` jobs are only written to the shared store, never run here (for processes that must not run
    jobs, and for tests); another process running the scheduler picks them up within its poll interval. With
    `leader=True` (the run modes) jobs run only while this process holds the `scheduler` lease (bot/scheduler/lease.py):
    with several workers on one database exactly one runs them, and another takes over when it stops renewing.
    """
    service = SchedulerService(app, poll_seconds)
    await service.start(paused or leader)
    runtime.bind(app)
    app.jobs = service
    if leader and not paused:
        settings = app.settings
        service.follow_lease(
            LeaderLease(app, ttl_seconds=settings.scheduler_lease_ttl_seconds, renew_seconds=settings.scheduler_lease_renew_seconds)
        )
    log.info("scheduler started (%s)", "paused" if paused else "following the leader lease" if leader else "running")
    return service
