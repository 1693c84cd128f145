"""The persistent scheduler: jobs live in the database job store, survive restarts and run exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.app import App, build_app
from bot.scheduler import runtime
from bot.scheduler.service import SchedulerService, start_scheduler
from storage.db import is_sqlite
from storage.models import Notification
from tests.support import jobs_probe

FAST_POLL = 0.2


def soon(seconds: float) -> datetime:
    """An aware UTC moment `seconds` from now (negative: in the past)."""
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def close_to(a: datetime | None, b: datetime) -> bool:
    """Equal up to the store's float timestamps."""
    return a is not None and abs((a - b).total_seconds()) < 0.001


async def stored_after_runs(service: SchedulerService, timeout: float = 5.0) -> list[str]:
    """Job ids still stored once the scan that handed due jobs to the loop has removed them (or the timeout passed)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (ids := await service.job_ids()) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return ids


@pytest.fixture(autouse=True)
def _fresh_probe() -> None:
    jobs_probe.reset()


async def test_jobs_fixture_sets_app_jobs_and_binds_the_runtime(app: App, jobs: SchedulerService) -> None:
    assert app.jobs is jobs
    assert jobs.paused
    assert runtime.current() is app


async def test_jobs_survive_a_restart(app: App) -> None:
    first = await start_scheduler(app, paused=True)
    day, hour = soon(86_400), soon(3_600)
    await first.schedule("rem:1:2:day", day, jobs_probe.RECORD, (1, 2, "day"))
    await first.schedule("rem:1:2:hour", hour, jobs_probe.RECORD, (1, 2, "hour"))
    await first.shutdown()
    assert app.jobs is None

    second = await start_scheduler(app, paused=True)
    try:
        assert app.jobs is second
        assert await second.job_ids() == ["rem:1:2:day", "rem:1:2:hour"]
        assert close_to(await second.run_time("rem:1:2:day"), day)
        assert close_to(await second.run_time("rem:1:2:hour"), hour)
        when = await second.run_time("rem:1:2:hour")
        assert when is not None and when.utcoffset() == timedelta(0)
    finally:
        await second.shutdown()


async def test_schedule_with_the_same_id_replaces(jobs: SchedulerService) -> None:
    await jobs.schedule("x:1", soon(600), jobs_probe.RECORD, (1,))
    later = soon(1_200)
    await jobs.schedule("x:1", later, jobs_probe.RECORD, (2,))
    await jobs.schedule("x:2", soon(60), jobs_probe.RECORD, ())
    assert await jobs.job_ids() == ["x:1", "x:2"]
    assert close_to(await jobs.run_time("x:1"), later)


async def test_run_time_keeps_the_instant_of_a_local_time(app: App, jobs: SchedulerService) -> None:
    local = datetime(2099, 6, 14, 9, 0, tzinfo=app.tz)
    await jobs.schedule("x:tz", local, jobs_probe.RECORD, ())
    assert await jobs.run_time("x:tz") == datetime(2099, 6, 14, 1, 0, tzinfo=timezone.utc)


async def test_cancel(jobs: SchedulerService) -> None:
    await jobs.schedule("x:1", soon(600), jobs_probe.RECORD, ())
    assert await jobs.cancel("x:1") is True
    assert await jobs.cancel("x:1") is False
    assert await jobs.cancel("never") is False
    assert await jobs.run_time("x:1") is None


async def test_cancel_prefix_removes_only_that_prefix(jobs: SchedulerService) -> None:
    for job_id in ("rem:1:5:day", "rem:1:5:hour", "rem:1:6:hour", "rem:12:5:day", "rem:2:5:day", "rem_1:x"):
        await jobs.schedule(job_id, soon(600), jobs_probe.RECORD, ())
    assert await jobs.cancel_prefix("rem:1:") == 3
    assert await jobs.job_ids() == ["rem:12:5:day", "rem:2:5:day", "rem_1:x"]
    assert await jobs.cancel_prefix("rem:1:") == 0
    assert await jobs.cancel_prefix("rem%") == 0  # LIKE wildcards are literal
    assert await jobs.job_ids("rem:") == ["rem:12:5:day", "rem:2:5:day"]


async def test_bad_arguments_are_refused(jobs: SchedulerService) -> None:
    with pytest.raises(ValueError):
        await jobs.schedule("x:1", datetime(2099, 1, 1), jobs_probe.RECORD, ())
    with pytest.raises(ValueError):
        await jobs.schedule("x:1", soon(60), "tests.support.jobs_probe.record", ())
    with pytest.raises(ValueError):
        await jobs.cancel_prefix("")
    assert await jobs.job_ids() == []


async def test_a_paused_scheduler_stores_but_does_not_run(jobs: SchedulerService) -> None:
    await jobs.schedule("x:due", soon(-1), jobs_probe.RECORD, (1,))
    await asyncio.sleep(0.4)
    assert jobs_probe.CALLS == []
    assert await jobs.job_ids() == ["x:due"]


async def test_a_due_job_runs_once(app: App) -> None:
    service = await start_scheduler(app, poll_seconds=FAST_POLL)
    try:
        await service.schedule("x:soon", soon(0.3), jobs_probe.RECORD, (7, "hour"))
        assert await service.run_time("x:soon") is not None
        assert await jobs_probe.wait_for_calls(1) == [("record", (7, "hour"))]
        await asyncio.sleep(3 * FAST_POLL)
        assert jobs_probe.CALLS == [("record", (7, "hour"))]
        assert await stored_after_runs(service) == []
    finally:
        await service.shutdown()


async def test_jobs_missed_while_down_run_exactly_once_after_start(app: App) -> None:
    writer = await start_scheduler(app, paused=True)
    await writer.schedule("x:long-ago", soon(-3_600), jobs_probe.RECORD, (1,))
    await writer.schedule("x:while-down", soon(0.2), jobs_probe.RECORD, (2,))
    await writer.shutdown()
    await asyncio.sleep(0.4)

    service = await start_scheduler(app, poll_seconds=FAST_POLL)
    try:
        await jobs_probe.wait_for_calls(2)
        await asyncio.sleep(3 * FAST_POLL)
        assert sorted(jobs_probe.CALLS) == [("record", (1,)), ("record", (2,))]
        assert await stored_after_runs(service) == []
    finally:
        await service.shutdown()

    again = await start_scheduler(app, poll_seconds=FAST_POLL)
    try:
        await asyncio.sleep(3 * FAST_POLL)
        assert len(jobs_probe.CALLS) == 2
    finally:
        await again.shutdown()


async def test_jobs_written_by_another_process_are_picked_up(app: App) -> None:
    runner = await start_scheduler(app, poll_seconds=FAST_POLL)
    other_app = build_app(app.settings)
    writer = await start_scheduler(other_app, paused=True)
    try:
        await asyncio.sleep(FAST_POLL)  # the runner has scanned an empty store and is now idle
        await writer.schedule("x:elsewhere", soon(0), jobs_probe.RECORD, (3,))
        assert await jobs_probe.wait_for_calls(1, timeout=10 * FAST_POLL) == [("record", (3,))]
    finally:
        await writer.shutdown()
        await other_app.close()
        await runner.shutdown()
    assert runtime_unbound()


async def test_a_scan_waiting_for_the_sqlite_write_lock_does_not_block_the_loop(app: App) -> None:
    if not is_sqlite(app.settings.resolved_database_url):
        pytest.skip("only SQLite locks the whole file")
    service = await start_scheduler(app, poll_seconds=FAST_POLL)
    try:
        await service.schedule("x:locked", soon(0.2), jobs_probe.RECORD, (4,))
        async with app.sessions() as session:
            session.add(Notification(chat_id=1, payload={"kind": "message", "text": "-"}))
            await session.flush()  # this transaction now holds the write lock the job store needs
            worst = 0.0
            for _ in range(10):  # 1 s, well past the job's due time
                started = asyncio.get_running_loop().time()
                await asyncio.sleep(0.1)
                worst = max(worst, asyncio.get_running_loop().time() - started)
            assert jobs_probe.CALLS == []
            await session.commit()
        assert worst < 0.5
        assert await jobs_probe.wait_for_calls(1) == [("record", (4,))]
    finally:
        await service.shutdown()


async def test_a_failing_job_does_not_stop_the_scheduler(app: App) -> None:
    service = await start_scheduler(app, poll_seconds=FAST_POLL)
    try:
        await service.schedule("x:fail", soon(0), jobs_probe.FAIL, (1,))
        await jobs_probe.wait_for_calls(1)
        await service.schedule("x:after", soon(0.1), jobs_probe.RECORD, (2,))
        assert await jobs_probe.wait_for_calls(2) == [("fail", (1,)), ("record", (2,))]
    finally:
        await service.shutdown()


async def test_shutdown_unbinds_and_clears_app_jobs(app: App) -> None:
    service = await start_scheduler(app)
    assert runtime.current() is app and app.jobs is service
    await service.shutdown()
    assert app.jobs is None
    assert runtime_unbound()
    await service.shutdown()  # idempotent


def runtime_unbound() -> bool:
    """True when no App is bound for job functions."""
    try:
        runtime.current()
    except runtime.NotBound:
        return True
    return False


def test_runtime_binding_is_a_stack() -> None:
    first, second = object(), object()
    runtime.bind(first)  # type: ignore[arg-type]
    runtime.bind(second)  # type: ignore[arg-type]
    try:
        assert runtime.current() is second
        runtime.unbind(second)  # type: ignore[arg-type]
        assert runtime.current() is first
    finally:
        runtime.unbind(first)  # type: ignore[arg-type]
        runtime.unbind(second)  # type: ignore[arg-type]
    assert runtime_unbound()
