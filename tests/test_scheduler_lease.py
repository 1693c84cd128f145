"""The scheduler leader lease: two processes (two Apps) on one database, only the lease holder runs jobs; the other
takes over when the holder stops renewing, at once when it releases on a clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.app import App, build_app
from bot.scheduler.lease import LeaderLease
from bot.scheduler.service import SchedulerService, start_scheduler
from storage.models import SchedulerLease
from tests.support import jobs_probe

TTL, RENEW, POLL = 1.2, 0.3, 0.1


def soon(seconds: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _fresh_probe() -> None:
    jobs_probe.reset()


@pytest.fixture
async def other(app: App) -> AsyncIterator[App]:
    """A second process's App on the same database (short lease times on both)."""
    for settings in (app.settings,):
        settings.scheduler_lease_ttl_seconds, settings.scheduler_lease_renew_seconds = TTL, RENEW
    second = build_app(app.settings)
    yield second
    await second.close()


async def until(condition: object, timeout: float = 5.0) -> bool:
    """Poll `condition()` until true or the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


async def row(app: App) -> SchedulerLease:
    async with app.sessions() as session:
        (lease,) = (await session.exec(select(SchedulerLease))).all()
        return lease


async def test_one_holder_at_a_time_and_release_hands_over_at_once(app: App, other: App) -> None:
    first = LeaderLease(app, ttl_seconds=30, renew_seconds=10, holder="first")
    second = LeaderLease(other, ttl_seconds=30, renew_seconds=10, holder="second")
    assert await first.attempt() and first.held
    assert not await second.attempt() and not second.held
    assert await first.attempt(), "the holder renews"
    assert (await row(app)).holder == "first"
    assert await first.release()
    assert not first.held
    assert await second.attempt(), "a released lease is taken at once"
    assert (await row(app)).holder == "second"
    assert not await first.attempt()
    assert not await first.release(), "only the holder releases"
    assert (await row(app)).holder == "second"


async def test_an_expired_lease_is_taken_over(app: App, other: App) -> None:
    first = LeaderLease(app, ttl_seconds=2.0, renew_seconds=1.0, holder="first")  # trusted for 1.5 s, expires at 2 s
    second = LeaderLease(other, ttl_seconds=2.0, renew_seconds=1.0, holder="second")
    assert await first.attempt()
    assert not await second.attempt()
    await asyncio.sleep(1.7)
    assert not first.held, "the holder stops trusting its lease a margin before it expires"
    assert not await second.attempt(), "but nobody else may take it before it has expired"
    await asyncio.sleep(0.5)
    assert await second.attempt()
    assert not await first.attempt()


async def test_concurrent_first_takes_elect_exactly_one(app: App, other: App) -> None:
    leases = [LeaderLease(a, ttl_seconds=30, renew_seconds=10, holder=f"h{i}") for i, a in enumerate((app, other, app, other))]
    results = await asyncio.gather(*(lease.attempt() for lease in leases))
    assert sorted(results) == [False, False, False, True]


def running(*services: SchedulerService) -> list[SchedulerService]:
    return [s for s in services if not s.paused]


async def test_only_the_leader_runs_jobs_and_the_other_takes_over_when_it_dies(app: App, other: App) -> None:
    one = await start_scheduler(app, leader=True, poll_seconds=POLL)
    two = await start_scheduler(other, leader=True, poll_seconds=POLL)
    try:
        assert await until(lambda: len(running(one, two)) == 1)
        await asyncio.sleep(3 * RENEW)
        (leader,) = running(one, two)
        follower = two if leader is one else one
        assert follower.paused
        await follower.schedule("x:from-follower", soon(0.2), jobs_probe.RECORD, (1,))
        assert await jobs_probe.wait_for_calls(1) == [("record", (1,))]
        await asyncio.sleep(3 * POLL)
        assert len(jobs_probe.CALLS) == 1, "run once, by the leader only"

        # the leader dies: it stops renewing and never releases
        assert leader.lease is not None and leader._lease_task is not None
        leader._lease_task.cancel()
        leader.lease.release = _no_release  # type: ignore[method-assign]
        await asyncio.gather(leader._lease_task, return_exceptions=True)
        leader._lease_task = None
        leader.scheduler.pause()
        started = asyncio.get_running_loop().time()
        assert await until(lambda: not follower.paused, timeout=TTL + 3 * RENEW + 1)
        assert asyncio.get_running_loop().time() - started < TTL + 2 * RENEW + 0.5
        await leader.schedule("x:after-takeover", soon(0.1), jobs_probe.RECORD, (2,))
        assert await jobs_probe.wait_for_calls(2) == [("record", (1,)), ("record", (2,))]
    finally:
        await one.shutdown()
        await two.shutdown()


async def _no_release() -> bool:
    return False


async def test_a_clean_shutdown_hands_over_at_once(app: App, other: App) -> None:
    other.settings = other.settings.model_copy(update={"scheduler_lease_ttl_seconds": 60.0, "scheduler_lease_renew_seconds": RENEW})
    app.settings = other.settings
    one = await start_scheduler(app, leader=True, poll_seconds=POLL)
    assert await until(lambda: not one.paused)
    two = await start_scheduler(other, leader=True, poll_seconds=POLL)
    try:
        await asyncio.sleep(2 * RENEW)
        assert two.paused
        await one.shutdown()
        assert await until(lambda: not two.paused, timeout=3 * RENEW + 1), "no need to wait for the 60 s lease"
        assert (await row(other)).holder == two.lease.holder  # type: ignore[union-attr]
    finally:
        await one.shutdown()
        await two.shutdown()
    assert (await row(app)).expires_at.replace(tzinfo=None) < datetime(2001, 1, 1), "released on shutdown"
