"""The scheduler leader lease: of all processes sharing the database, only the holder of the `scheduler` row runs jobs.

Taking and renewing is one atomic statement, `UPDATE scheduler_lease SET holder = me, expires_at = now + ttl WHERE
name = 'scheduler' AND (expires_at < now OR holder = me)`; when no row exists yet it is inserted, and of two processes
inserting at once the primary key lets one win (the other's IntegrityError means "not held"). The holder renews every
`renew_seconds`; a process that stops renewing (crash, hang, lost database) keeps the lease until `expires_at`, after
which any other process takes it on its next attempt. A holder that cannot renew pauses itself a safety margin before
its own expiry, so two processes never run jobs at the same time as long as clocks agree to within that margin.
Clean shutdown releases the lease (expires it now) so another process takes over at once.

Works the same on SQLite and PostgreSQL (plain UPDATE/INSERT, times in UTC from the process clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.logs import failure_site
from storage.models import SchedulerLease, utcnow

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

NAME = "scheduler"
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)

Hook = Callable[[], Awaitable[None]]


def holder_id() -> str:
    """A process-unique holder name: host, pid and a random suffix (no secret, shown in the lease row)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLease:
    """Takes, renews and releases the lease row `name` for `holder`; `held` says whether this process may run jobs."""

    def __init__(
        self,
        app: App,
        *,
        ttl_seconds: float,
        renew_seconds: float,
        name: str = NAME,
        holder: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if renew_seconds <= 0 or ttl_seconds <= renew_seconds:
            raise ValueError("the lease needs 0 < renew_seconds < ttl_seconds")
        self.app = app
        self.name = name
        self.holder = holder or holder_id()
        self.ttl = timedelta(seconds=ttl_seconds)
        self.renew_seconds = renew_seconds
        self.margin = timedelta(seconds=min(renew_seconds, ttl_seconds - renew_seconds) / 2)
        self.clock = clock
        self.held_until: datetime | None = None

    @property
    def held(self) -> bool:
        """True while a successful take or renewal is still valid (minus the safety margin)."""
        return self.held_until is not None and self.clock() < self.held_until - self.margin

    async def attempt(self) -> bool:
        """Take or renew the lease once; True when this process holds it now (errors count as not held)."""
        now = self.clock()
        expires = now + self.ttl
        try:
            taken = await self._take(now, expires)
        except Exception as exc:  # the database may be down: keep what we had until it runs out
            log.warning("scheduler lease: attempt failed (%s at %s)", type(exc).__name__, failure_site(exc))
            return self.held
        self.held_until = expires if taken else None
        return taken

    async def _take(self, now: datetime, expires: datetime) -> bool:
        statement = (
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == self.name)
            .where(or_(col(SchedulerLease.expires_at) < now, col(SchedulerLease.holder) == self.holder))
            .values(holder=self.holder, expires_at=expires, renewed_at=now)
        )
        async with self.app.sessions() as session:
            result = await session.exec(statement)  # type: ignore[call-overload]
            if result.rowcount == 1:
                await session.commit()
                return True
            if await session.get(SchedulerLease, self.name) is not None:
                await session.rollback()
                return False  # someone else holds it
            session.add(SchedulerLease(name=self.name, holder=self.holder, expires_at=expires, renewed_at=now))
            try:
                await session.commit()
            except IntegrityError:  # another process inserted it first
                await session.rollback()
                return False
            return True

    async def release(self) -> bool:
        """Give the lease up (only when this process holds it): it expires at once; True when released."""
        self.held_until = None
        statement = (
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == self.name, col(SchedulerLease.holder) == self.holder)
            .values(expires_at=EPOCH)
        )
        try:
            async with self.app.sessions() as session:
                result = await session.exec(statement)  # type: ignore[call-overload]
                await session.commit()
                return bool(result.rowcount)
        except Exception as exc:  # it will simply expire
            log.warning("scheduler lease: release failed (%s at %s)", type(exc).__name__, failure_site(exc))
            return False

    async def run(self, stop: asyncio.Event, on_gain: Hook, on_loss: Hook) -> None:
        """Until `stop`: attempt every `renew_seconds` (sooner when the margin runs out), calling `on_gain` when this
        process becomes the holder and `on_loss` when it stops being it; releases the lease at the end."""
        leading = False
        try:
            while not stop.is_set():
                held = await self.attempt()
                if held and not leading:
                    log.info("scheduler lease taken by this process: running jobs")
                    await on_gain()
                elif not held and leading:
                    log.warning("scheduler lease lost: jobs paused in this process")
                    await on_loss()
                leading = held
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._wait())
                if leading and not self.held:  # could not renew in time: stop before someone else starts
                    log.warning("scheduler lease ran out: jobs paused in this process")
                    await on_loss()
                    leading = False
        finally:
            if leading:
                await on_loss()
            await self.release()

    def _wait(self) -> float:
        if self.held_until is None:
            return self.renew_seconds
        left = (self.held_until - self.margin - self.clock()).total_seconds()
        return max(0.0, min(self.renew_seconds, left))
