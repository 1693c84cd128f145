"""Background delivery of the notification outbox through a Telegram transport, within Telegram's rate limits.

Due notifications are claimed in batches (the oldest unsent one per chat, under a lease) and sent through a
RateLimiter: SEND_RATE_PER_SECOND overall, one message per second per chat, as Telegram counts them on arrival. Sending
never waits for the database: the next batch is claimed while the current one goes out, up to MAX_IN_FLIGHT sends are
in flight, and delivered rows are marked sent in bulk (MARK_BATCH rows, or after MARK_DELAY). Outcomes: sent (never
sent again); flood control (retried after Telegram's retry_after, and every send pauses meanwhile: the limit is per
bot); a transient error (retried with exponential backoff, failed after MAX_ATTEMPTS); a permanent refusal such as a
user who blocked the bot (failed at once). At-least-once: a stopped drain marks what it delivered and hands back what
it did not send; after a crash, rows claimed but not marked are sent again when their lease expires. Logs name
notification ids, chat ids and Telegram's error descriptions, never message text.
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
MAX_IN_FLIGHT = 16  # enough for the full rate with answers taking up to half a second
MARK_BATCH = 20  # delivered rows are marked sent in one statement once this many wait...
MARK_DELAY = 0.25  # ...or the oldest has waited this many seconds (what a crash could send twice)
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
        return await _Drain(self, stop).run()

    async def _claim(self) -> list[Notification]:
        """Claim the next batch of due notifications (at most one per chat) under a lease."""
        async with self.app.sessions() as session:
            return await outbox.claim_due(session, self.now(), self.batch_size, self.lease)

    async def _readable(self, row: Notification) -> Outgoing | None:
        """The message of a claimed row; None when it is given up (taken too often, unreadable payload)."""
        assert row.id is not None
        if row.attempts >= self.max_attempts:  # taken again after crashes too often
            await self._record(outbox.mark_failed, row.id, f"gave up after {row.attempts} attempts")
            return None
        try:
            return outbox.from_payload(row.chat_id, row.payload)
        except (KeyError, TypeError, ValueError) as exc:
            await self._record(outbox.mark_failed, row.id, f"unreadable payload ({type(exc).__name__})")
            return None

    async def _deliver(self, row: Notification, out: Outgoing) -> DeliveryFailed | None:
        """Send one message; its failure, if any (an unexpected error is treated as transient, bounded by MAX_ATTEMPTS)."""
        try:
            await self.deliver(out)
        except DeliveryFailed as exc:
            return exc
        except Exception as exc:
            log.warning("notification %s: %s at %s", row.id, type(exc).__name__, failure_site(exc))
            return DeliveryFailed(None, False, type(exc).__name__)
        return None

    async def _release(self, rows: list[Notification]) -> None:
        """Hand unsent rows back, due when the flood-control pause ends (or now, when stopping)."""
        pause = self.limiter.pause_left(self._clock())
        reason = "held by flood control" if pause > 0 else "sender stopped"
        async with self.app.sessions() as session:
            await outbox.release(session, [row.id for row in rows if row.id is not None], self.now() + timedelta(seconds=pause), reason)

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

    async def _record(self, mark: Callable[..., Awaitable[object]], *args: object) -> None:
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


class _Drain:
    """One drain's state: claimed rows queued for sending, the next claim, sends in flight, delivered rows to mark."""

    def __init__(self, worker: DeliveryWorker, stop: asyncio.Event | None) -> None:
        self.worker = worker
        self.limiter = worker.limiter
        self.stop = stop
        self.queue: list[Notification] = []  # claimed, not sent yet
        self.more = True  # the last claim was full, or sends have ended since: a claim may find more
        self.claiming: asyncio.Task[list[Notification]] | None = None
        self.sending: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(worker.max_in_flight)
        self.answer = asyncio.Event()  # set whenever a send in flight gets its answer
        self.delivered: list[int] = []  # delivered, not marked sent yet
        self.delivered_since = 0.0
        self.marking: asyncio.Task[None] | None = None
        self.sent = 0

    async def run(self) -> int:
        """Send until nothing more is due (or stop), then let the sends end and mark them; returns how many were sent."""
        try:
            while not _is_set(self.stop):
                row = await self._next()
                if row is None:
                    break
                await self._dispatch(row)
        finally:
            await self._close()
        return self.sent

    async def _next(self) -> Notification | None:
        """The queued row whose chat may receive soonest, claiming ahead; None when nothing more is due."""
        while True:
            if self.limiter.pause_left(self.worker._clock()) > 0:
                await self._hold()
            self._collect()
            self._prefetch()
            if self.queue:
                return self._pick()
            if self.claiming is not None:
                await asyncio.wait([self.claiming])
            elif self.sending or self.delivered or self.marking is not None:
                await self._settle()
                self.more = True  # the next messages of the chats just served may be claimed now
            else:
                return None

    def _prefetch(self) -> None:
        """Claim the next batch in the background while the queue runs low, so sending never waits for the database."""
        if self.claiming is None and self.more and len(self.queue) <= self.worker.batch_size and not _is_set(self.stop):
            self.claiming = asyncio.create_task(self.worker._claim(), name="outbox-claim")

    def _collect(self) -> None:
        """Queue the rows of a finished claim (raising its error, if it failed)."""
        if self.claiming is None or not self.claiming.done():
            return
        task, self.claiming = self.claiming, None
        rows = task.result()
        self.more = len(rows) >= self.worker.batch_size
        self.queue.extend(rows)

    def _pick(self) -> Notification:
        """Take the queued row whose chat may receive soonest (the oldest claimed among equals)."""
        now = self.worker._clock()
        index = min(range(len(self.queue)), key=lambda i: self.limiter.wait_time(self.queue[i].chat_id, now))
        return self.queue.pop(index)

    async def _dispatch(self, row: Notification) -> None:
        """Send `row` in the background once a slot is free and the limiter lets it go; else it goes back to the queue."""
        out = await self.worker._readable(row)
        if out is None:
            return
        await self.slots.acquire()
        ticket = await self._turn(row.chat_id)
        if ticket is None:
            self.slots.release()
            self.queue.insert(0, row)
            return
        task = asyncio.create_task(self._send(row, out, ticket), name=f"outbox-send-{row.id}")
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def _turn(self, chat_id: int) -> int | None:
        """Wait until the limiter lets a message to `chat_id` go and record it (a ticket); None when stopped or paused."""
        while True:
            now = self.worker._clock()
            if _is_set(self.stop) or self.limiter.pause_left(now) > 0:
                return None
            wait = self.limiter.wait_time(chat_id, now)
            if wait <= 0:
                return self.limiter.record(chat_id, now)
            self._mark_soon()
            if math.isinf(wait):  # only the answer to a send in flight can make room
                self.answer.clear()
                await self.answer.wait()
            else:
                await self.worker._wait(wait, self.stop)

    async def _send(self, row: Notification, out: Outgoing, ticket: int) -> None:
        """Deliver one row, tell the limiter when the answer came back, then note or record the outcome."""
        try:
            try:
                failure = await self.worker._deliver(row, out)
            finally:
                self.limiter.answered(ticket, self.worker._clock())
                self.answer.set()
            if failure is None:
                self._delivered(row)
            else:
                await self.worker._failed(row, failure)
        except Exception as exc:  # recording the outcome failed: the lease expires and the row is taken again
            log.warning("notification %s: outcome not recorded (%s at %s)", row.id, type(exc).__name__, failure_site(exc))
        finally:
            self.slots.release()

    def _delivered(self, row: Notification) -> None:
        """Count a delivered row and queue its mark."""
        assert row.id is not None
        if not self.delivered:
            self.delivered_since = self.worker._clock()
        self.delivered.append(row.id)
        self.sent += 1
        self._mark_soon()

    def _mark_soon(self, force: bool = False) -> None:
        """Start marking the delivered rows sent once MARK_BATCH wait or the oldest waited MARK_DELAY (one write at a time)."""
        if self.marking is not None or not self.delivered:
            return
        if force or len(self.delivered) >= MARK_BATCH or self.worker._clock() - self.delivered_since >= MARK_DELAY:
            ids, self.delivered = self.delivered, []
            self.marking = asyncio.create_task(self._mark(ids, self.worker.now()), name="outbox-mark")

    async def _mark(self, ids: list[int], at: datetime) -> None:
        """Mark delivered rows sent in one statement; if that fails they are sent again when their lease expires."""
        try:
            async with self.worker.app.sessions() as session:
                await outbox.mark_all_sent(session, ids, at)
        except Exception as exc:
            log.warning("notifications %s: delivered, not marked sent (%s at %s)", ids, type(exc).__name__, failure_site(exc))
        finally:
            self.marking = None

    async def _settle(self) -> None:
        """Wait for the sends in flight to end and for every delivered row to be marked sent."""
        if self.sending:
            await asyncio.wait(set(self.sending))
        if self.marking is not None:
            await asyncio.wait([self.marking])
        self._mark_soon(force=True)
        if self.marking is not None:
            await asyncio.wait([self.marking])

    async def _hold(self) -> None:
        """Flood control: hand the claimed rows back, due when the pause ends, and wait it out."""
        if self.claiming is not None:
            await asyncio.wait([self.claiming])
            self._collect()
        if self.queue:
            rows, self.queue = self.queue, []
            await self.worker._release(rows)
        await self.worker._wait(self.limiter.pause_left(self.worker._clock()), self.stop)
        self.more = True

    async def _close(self) -> None:
        """End the drain: let the sends in flight end, mark what they delivered, hand back claimed rows not sent."""
        if self.claiming is not None:
            await asyncio.wait([self.claiming])
            task, self.claiming = self.claiming, None
            if task.cancelled() or task.exception() is not None:
                log.warning("outbox claim failed: %s", "cancelled" if task.cancelled() else type(task.exception()).__name__)
            else:
                self.queue.extend(task.result())
        await self._settle()
        if self.queue:
            rows, self.queue = self.queue, []
            await self.worker._release(rows)


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
