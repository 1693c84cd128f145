"""Background delivery of the notification outbox through a Telegram transport, within Telegram's rate limits.

Due notifications are claimed in small batches (the oldest unsent one per chat, under a lease) and sent through a
RateLimiter: SEND_RATE_PER_SECOND overall, one message per second per chat, a few sends in flight. Outcomes: sent
(never sent again); flood control (retried after Telegram's retry_after, and every send pauses meanwhile: the limit
is per bot); a transient error (retried with exponential backoff, failed after MAX_ATTEMPTS); a permanent refusal
such as a user who blocked the bot (failed at once). Logs name notification ids, chat ids and Telegram's error
descriptions, never message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from bot.app import App
from bot.logs import failure_site
from bot.outgoing import Outgoing
from bot.ratelimit import RateLimiter
from bot.scheduler.service import start_scheduler
from bot.services import outbox
from handlers.base import DeliveryFailed
from storage.models import Notification, utcnow

log = logging.getLogger(__name__)

Deliver = Callable[[Outgoing], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

LEASE = timedelta(minutes=5)  # a claimed notification not marked within this time is taken again (crashed sender)
MAX_BATCH = 50
MAX_IN_FLIGHT = 8
MAX_ATTEMPTS = 8
BACKOFF_BASE = 5.0
BACKOFF_CAP = 600.0
IDLE_SECONDS = 1.0
ERROR_IDLE_CAP = 30.0
STOP_TIMEOUT = 10.0


def backoff(attempts: int) -> float:
    """Seconds before retrying after `attempts` failed attempts: BACKOFF_BASE doubling, at most BACKOFF_CAP."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))


class DeliveryWorker:
    """Sends due outbox notifications with `deliver` (a transport's deliver); one drain or run at a time.

    `clock` (monotonic seconds) and `sleep` are injectable so tests run rate-limited drains without waiting.
    """

    def __init__(
        self,
        app: App,
        deliver: Deliver,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep | None = None,
        wall: Callable[[], datetime] = utcnow,
        batch_size: int | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_attempts: int = MAX_ATTEMPTS,
        lease: timedelta = LEASE,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        rate = app.settings.send_rate_per_second
        self.app = app
        self.deliver = deliver
        self.limiter = RateLimiter(rate)
        self.batch_size = batch_size or max(1, min(MAX_BATCH, math.ceil(rate)))
        self.max_in_flight = max(1, max_in_flight)
        self.max_attempts = max_attempts
        self.lease = lease
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._origin = (wall(), clock())

    def now(self) -> datetime:
        """Wall time of the current drain: its start moved on by the monotonic clock."""
        start, mono = self._origin
        return start + timedelta(seconds=self._clock() - mono)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, idling about a second when nothing is due; failures are logged and retried."""
        failures = 0
        while not stop.is_set():
            try:
                await self._drain(None, stop)
                failures = 0
            except Exception as exc:  # the database may be down: keep trying, slower
                failures += 1
                log.warning("outbox delivery failed: %s at %s", type(exc).__name__, failure_site(exc))
            idle = min(ERROR_IDLE_CAP, self.idle_seconds * 2.0 ** min(failures, 5))
            await self._wait(idle, stop)

    async def drain_once(self, now: datetime | None = None) -> int:
        """Deliver what is due at `now` (default: the current time), batch after batch; returns messages sent."""
        return await self._drain(now, None)

    async def _drain(self, now: datetime | None, stop: asyncio.Event | None) -> int:
        self._origin = (now or self._wall(), self._clock())
        sent = 0
        while not _is_set(stop):
            pause = self.limiter.pause_left(self._clock())
            if pause > 0:
                await self._wait(pause, stop)
                continue
            async with self.app.sessions() as session:
                rows = await outbox.claim_due(session, self.now(), self.batch_size, self.lease)
            if not rows:
                break
            sent += await self._send_batch(rows, stop)
        return sent

    async def _send_batch(self, rows: list[Notification], stop: asyncio.Event | None) -> int:
        """Send one claimed batch (one row per chat), chats that may receive now first; returns how many went out."""
        start = self._clock()
        queue = sorted(rows, key=lambda row: self.limiter.wait_time(row.chat_id, start))
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: list[asyncio.Task[bool]] = []
        try:
            for index, row in enumerate(queue):
                await slots.acquire()
                if not await self._take_turn(row.chat_id, stop):
                    slots.release()
                    await self._release(queue[index:])
                    break
                tasks.append(asyncio.create_task(self._send_one(row, slots), name=f"outbox-send-{row.id}"))
        finally:
            results = await asyncio.gather(*tasks)
        return sum(results)

    async def _take_turn(self, chat_id: int, stop: asyncio.Event | None) -> bool:
        """Wait until the limiter lets a message to `chat_id` go and count it; False when stopped or paused."""
        while True:
            now = self._clock()
            if _is_set(stop) or self.limiter.pause_left(now) > 0:
                return False
            wait = self.limiter.wait_time(chat_id, now)
            if wait <= 0:
                self.limiter.record(chat_id, now)
                return True
            await self._wait(wait, stop)

    async def _release(self, rows: list[Notification]) -> None:
        """Hand unsent rows back, due when the flood-control pause ends (or now, when stopping)."""
        pause = self.limiter.pause_left(self._clock())
        reason = "held by flood control" if pause > 0 else "sender stopped"
        async with self.app.sessions() as session:
            await outbox.release(session, [row.id for row in rows if row.id is not None], self.now() + timedelta(seconds=pause), reason)

    async def _send_one(self, row: Notification, slots: asyncio.Semaphore) -> bool:
        try:
            return await self._attempt(row)
        except Exception as exc:  # recording the outcome failed: the lease expires and the row is taken again
            log.warning("notification %s: outcome not recorded (%s at %s)", row.id, type(exc).__name__, failure_site(exc))
            return False
        finally:
            slots.release()

    async def _attempt(self, row: Notification) -> bool:
        """Deliver one row and record the outcome; True when it was sent."""
        assert row.id is not None
        if row.attempts >= self.max_attempts:  # taken again after crashes too often
            await self._record(outbox.mark_failed, row.id, f"gave up after {row.attempts} attempts")
            return False
        try:
            out = outbox.from_payload(row.chat_id, row.payload)
        except (KeyError, TypeError, ValueError) as exc:
            await self._record(outbox.mark_failed, row.id, f"unreadable payload ({type(exc).__name__})")
            return False
        try:
            await self.deliver(out)
        except DeliveryFailed as exc:
            await self._failed(row, exc)
            return False
        except Exception as exc:  # an unexpected error is treated as transient (bounded by MAX_ATTEMPTS)
            log.warning("notification %s: %s at %s", row.id, type(exc).__name__, failure_site(exc))
            await self._failed(row, DeliveryFailed(None, False, type(exc).__name__))
            return False
        await self._record(outbox.mark_sent, row.id, self.now())
        return True

    async def _failed(self, row: Notification, exc: DeliveryFailed) -> None:
        """Flood control: pause everything and retry after it; permanent: failed; transient: backoff or give up."""
        assert row.id is not None
        if exc.retry_after is not None:
            wait = max(0.0, exc.retry_after)
            self.limiter.pause(self._clock() + wait)
            log.warning("flood control: sending paused for %.1f s (notification %s, chat %s)", wait, row.id, row.chat_id)
            await self._record(outbox.mark_retry, row.id, self.now() + timedelta(seconds=wait), exc.reason, False)
        elif exc.permanent:
            log.info("notification %s to chat %s refused: %s", row.id, row.chat_id, exc.reason)
            await self._record(outbox.mark_failed, row.id, exc.reason)
        elif row.attempts + 1 >= self.max_attempts:
            log.warning("notification %s to chat %s: %s; giving up after %d attempts", row.id, row.chat_id, exc.reason, row.attempts + 1)
            await self._record(outbox.mark_failed, row.id, f"gave up: {exc.reason}")
        else:
            delay = backoff(row.attempts + 1)
            log.info("notification %s to chat %s: %s; retry in %.0f s", row.id, row.chat_id, exc.reason, delay)
            await self._record(outbox.mark_retry, row.id, self.now() + timedelta(seconds=delay), exc.reason)

    async def _record(self, mark: Callable[..., Awaitable[bool]], *args: object) -> None:
        """Run one outbox mark_* function in its own session."""
        async with self.app.sessions() as session:
            await mark(session, *args)

    async def _wait(self, seconds: float, stop: asyncio.Event | None) -> None:
        """Sleep (the injected sleep, else until `stop` or the timeout)."""
        if self._sleep is not None:
            await self._sleep(seconds)
        elif stop is None:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)


def _is_set(stop: asyncio.Event | None) -> bool:
    return stop is not None and stop.is_set()


@contextlib.asynccontextmanager
async def delivering(app: App, deliver: Deliver, stop_timeout: float = STOP_TIMEOUT) -> AsyncIterator[DeliveryWorker]:
    """A DeliveryWorker running in a background task for the duration of the block, then stopped cleanly."""
    worker = DeliveryWorker(app, deliver)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="outbox-delivery")
    try:
        yield worker
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, stop_timeout)
        except TimeoutError:  # wait_for has cancelled it; claimed rows are taken again when their lease expires
            log.warning("outbox delivery did not stop in time, cancelled")
        except Exception as exc:
            log.warning("outbox delivery ended with %s at %s", type(exc).__name__, failure_site(exc))


@contextlib.asynccontextmanager
async def background_services(app: App, deliver: Deliver) -> AsyncIterator[None]:
    """For a Telegram run mode: the scheduler (when SCHEDULER_ENABLED) and outbox delivery, stopped in reverse order."""
    scheduler = await start_scheduler(app, leader=True) if app.settings.scheduler_enabled else None
    try:
        async with delivering(app, deliver):
            yield
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
