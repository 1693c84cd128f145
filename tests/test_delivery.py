"""Outbox delivery on both transports against the Bot API emulator: keyboards, once-only, flood control, blocked
users, crashed senders, the per-chat and global rates (on an injected clock), sending pipelined with claiming and
bulk marking, stop and restart without loss, the console, the run modes."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app import App, build_app
from bot.delivery import BACKOFF_BASE, LEASE, MARK_BATCH, DeliveryWorker
from bot.outgoing import OutMarkup, Outgoing
from bot.runmodes import run_polling, upgrade_database
from bot.services import outbox
from bot.settings import Framework
from bot.webhook import serve_webhook
from flows.replies import InlineButton, InlineKeyboard, Label, ReplyButton, ReplyKeyboard, Text
from handlers.base import DeliveryFailed, Transport
from handlers.console import Console
from handlers.registry import create_transport
from storage.models import Notification, utcnow
from tests.conftest import TEST_TOKEN, TRANSPORTS, Harness, make_settings
from tests.support.fake_bot_api import FakeBotApi, forbidden_error, retry_after_error
from tests.support.spec import assert_valid
from tests.support.webhook import SECRET, free_port

ALICE, BOB, CAROL = 610001, 610002, 610003
INLINE = OutMarkup("inline", (({"text": "Open", "callback_data": "t:1"},),))


class FakeTime:
    """A monotonic clock that sleeping moves forward at once (shared with the emulator's rate limit)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        """Current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Let other tasks run, then jump forward."""
        self.slept.append(seconds)
        await asyncio.sleep(0)
        self.now += max(0.0, seconds)


@dataclass
class Env:
    """An App on a fresh store, a production transport wired to the emulator, and a fake clock."""

    app: App
    transport: Transport
    api: FakeBotApi
    time: FakeTime = field(default_factory=FakeTime)
    attempts: list[tuple[float, int, str]] = field(default_factory=list)

    async def deliver(self, out: Outgoing) -> None:
        """The transport's deliver, noting (fake time, chat, text) of every attempt."""
        self.attempts.append((self.time.now, out.chat_id or 0, out.text))
        await self.transport.deliver(out)

    def worker(self, **options: Any) -> DeliveryWorker:
        """A worker on the fake clock; pass max_in_flight=1 when the emulator's rate limit shares that clock."""
        return DeliveryWorker(self.app, self.deliver, clock=self.time.clock, sleep=self.time.sleep, **options)

    def delivered(self, chat_id: int | None = None) -> list[str]:
        """Texts the emulator accepted, in order."""
        return [str(c.params["text"]) for c in self.api.delivered(chat_id)]


@pytest.fixture
def env(harness: Harness) -> Env:
    """The `harness` fixture's production transport on the emulator (aiogram, then PTB), with a fake clock."""
    return Env(harness.app, harness.transport, harness.api)


async def add(app: App, chat_id: int, text: str, markup: OutMarkup | None = None, **fields: Any) -> int:
    """Store one rendered notification directly; returns its id."""
    row = Notification(chat_id=chat_id, payload=outbox.to_payload(Outgoing("message", chat_id, text, markup)), **fields)
    async with app.sessions() as session:
        session.add(row)
        await session.commit()
        assert row.id is not None
        return row.id


async def stored(app: App) -> dict[int, Notification]:
    """Every notification by id."""
    async with app.sessions() as session:
        rows = (await session.exec(select(Notification).order_by(col(Notification.id)))).all()
    return {row.id: row for row in rows if row.id is not None}


async def pending(app: App, chat_id: int | None = None) -> int:
    async with app.sessions() as session:
        return await outbox.pending_count(session, chat_id)


async def test_notifications_arrive_with_their_keyboards_exactly_once(env: Env) -> None:
    inline = InlineKeyboard(((InlineButton(Label(raw="🎫 Ticket"), data="ticket:show"),),))
    reply = ReplyKeyboard(((ReplyButton(Label(raw="OK")),),))
    async with env.app.sessions() as session:
        await outbox.enqueue(env.app, session, ALICE, [Text("form.prompt", {"prompt": "tickets issued"}, inline)], dedup_key="k1")
        await outbox.enqueue(env.app, session, BOB, [Text("form.prompt", {"prompt": "session moved"}, reply)], dedup_key="k2")
        await outbox.enqueue(env.app, session, ALICE, [Text("form.prompt", {"prompt": "tickets issued"}, inline)], dedup_key="k1")
        await session.commit()
    assert await pending(env.app) == 2

    assert await env.worker().drain_once() == 2

    (alice,) = env.api.delivered(ALICE)
    assert alice.params["text"] == "tickets issued"
    assert alice.params["reply_markup"]["inline_keyboard"] == [[{"text": "🎫 Ticket", "callback_data": "ticket:show"}]]
    (bob,) = env.api.delivered(BOB)
    assert bob.params["reply_markup"]["keyboard"] == [[{"text": "OK"}]]
    rows = list((await stored(env.app)).values())
    assert [r.status for r in rows] == [outbox.SENT, outbox.SENT] and all(r.sent_at for r in rows)
    assert await pending(env.app) == 0

    calls = len(env.api.calls)
    assert await env.worker().drain_once(utcnow() + timedelta(days=1)) == 0
    assert len(env.api.calls) == calls, "a sent notification is never sent again"


async def test_flood_control_pauses_every_send_and_retries_without_loss(env: Env) -> None:
    first = await add(env.app, ALICE, "one")
    await add(env.app, BOB, "two")
    await add(env.app, CAROL, "three")
    env.api.fail_next["sendMessage"] = retry_after_error(3)

    assert await env.worker(max_in_flight=1).drain_once() == 3

    assert sorted(env.delivered()) == ["one", "three", "two"], "every notification once, none lost"
    assert [c.status for c in env.api.calls_of("sendMessage")].count(429) == 1
    start = env.attempts[0][0]
    assert all(at >= start + 3 for at, _, _ in env.attempts[1:]), "nothing is sent during the flood-control pause"
    rows = await stored(env.app)
    assert {r.status for r in rows.values()} == {outbox.SENT}
    assert rows[first].attempts == 0, "flood control does not count as a failed attempt"


async def test_emulated_rate_limit_answers_429_and_the_worker_recovers(env: Env) -> None:
    env.api.limit_rate(per_second=2, clock=env.time.clock)
    for i, chat in enumerate((ALICE, BOB, CAROL, 610004, 610005)):
        await add(env.app, chat, f"notice {i}")

    assert await env.worker(max_in_flight=1).drain_once() == 5

    statuses = [c.status for c in env.api.calls_of("sendMessage")]
    assert 429 in statuses, "the worker (30/s) outpaced the emulated limit (2/s)"
    assert sorted(env.delivered()) == [f"notice {i}" for i in range(5)]
    assert await pending(env.app) == 0


async def test_a_blocked_user_fails_at_once_without_retry_storm(env: Env) -> None:
    env.api.block(ALICE)
    await add(env.app, ALICE, "first")
    await add(env.app, ALICE, "second")
    await add(env.app, BOB, "hello")

    worker = env.worker()
    assert await worker.drain_once() == 1
    assert await worker.drain_once(utcnow() + timedelta(days=1)) == 0

    assert env.delivered() == ["hello"]
    to_alice = [c for c in env.api.calls_of("sendMessage") if int(c.params["chat_id"]) == ALICE]
    assert [c.status for c in to_alice] == [403, 403], "one attempt per notification, never retried"
    failed = [r for r in (await stored(env.app)).values() if r.chat_id == ALICE]
    assert {r.status for r in failed} == {outbox.FAILED}
    assert all("blocked" in (r.last_error or "") for r in failed)


async def test_a_crashed_senders_claim_is_taken_again_after_its_lease(env: Env) -> None:
    now = utcnow()
    crashed = await add(env.app, ALICE, "left behind", status=outbox.SENDING, due_at=now - timedelta(seconds=1))
    leased = await add(env.app, BOB, "being sent elsewhere", status=outbox.SENDING, due_at=now + timedelta(minutes=4))

    assert await env.worker().drain_once(now) == 1

    assert env.delivered() == ["left behind"]
    rows = await stored(env.app)
    assert rows[crashed].status == outbox.SENT and rows[crashed].attempts == 1
    assert rows[leased].status == outbox.SENDING, "a live lease is left alone"


async def test_one_message_per_second_per_chat_in_order(env: Env) -> None:
    env.api.limit_rate(per_second=30, clock=env.time.clock)  # any violation would be answered with 429
    for text in ("a1", "a2", "a3"):
        await add(env.app, ALICE, text)
    for text in ("b1", "b2"):
        await add(env.app, BOB, text)
    await add(env.app, CAROL, "c1")

    assert await env.worker(max_in_flight=1).drain_once() == 6

    assert all(c.status == 200 for c in env.api.calls_of("sendMessage"))
    assert env.delivered(ALICE) == ["a1", "a2", "a3"] and env.delivered(BOB) == ["b1", "b2"]
    for chat in (ALICE, BOB):
        times = [at for at, to, _ in env.attempts if to == chat]
        assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[1:]))
    assert env.time.now - 1000.0 == pytest.approx(2.0), "chats wait for themselves, not for each other"


async def test_the_global_rate_holds(env: Env) -> None:
    env.app.settings.send_rate_per_second = 4
    env.api.limit_rate(per_second=4, clock=env.time.clock)
    for i in range(10):
        await add(env.app, 620000 + i, f"n{i}")

    assert await env.worker(max_in_flight=1).drain_once() == 10

    assert all(c.status == 200 for c in env.api.calls_of("sendMessage"))
    times = [at for at, _, _ in env.attempts]
    assert all(len([u for u in times if t - 1.0 < u <= t]) <= 4 for t in times)


async def test_transport_deliver_reports_telegram_errors(env: Env) -> None:
    out = Outgoing("message", ALICE, "hi", INLINE)
    cases = [
        (retry_after_error(7), 7.0, False),
        (forbidden_error(), None, True),
        ((400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}), None, True),
        ((500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}), None, False),
    ]
    for answer, retry_after, permanent in cases:
        env.api.fail_next["sendMessage"] = answer
        with pytest.raises(DeliveryFailed) as caught:
            await env.transport.deliver(out)
        assert (caught.value.retry_after, caught.value.permanent) == (retry_after, permanent)
    await env.transport.deliver(out)
    assert env.delivered() == ["hi"]


@pytest.mark.parametrize("framework", TRANSPORTS, ids=lambda f: f.value)
async def test_an_unreachable_api_is_a_temporary_failure(tmp_path: Path, framework: Framework) -> None:
    settings = make_settings(
        tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=f"http://127.0.0.1:{free_port()}", bot_framework=framework
    )
    application = build_app(settings)
    transport = create_transport(application)
    try:
        with pytest.raises(DeliveryFailed) as caught:
            await transport.deliver(Outgoing("message", ALICE, "hi"))
        assert caught.value.retry_after is None and not caught.value.permanent
        assert "hi" not in caught.value.reason
    finally:
        await transport.close()
        await application.close()


class Flaky:
    """A deliver function that fails transiently a number of times."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    async def __call__(self, out: Outgoing) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed(None, False, "TelegramNetworkError")
        self.sent.append(out.text)


def fake_worker(app: App, deliver: Any, **options: Any) -> DeliveryWorker:
    """A worker whose rate-limit waits take no real time."""
    time = FakeTime()
    return DeliveryWorker(app, deliver, clock=time.clock, sleep=time.sleep, **options)


async def test_transient_failures_back_off_exponentially_then_succeed(app: App) -> None:
    row_id = await add(app, ALICE, "eventually")
    flaky = Flaky(2)
    worker = fake_worker(app, flaky)
    start = utcnow()

    assert await worker.drain_once(start) == 0
    first = (await stored(app))[row_id]
    assert first.status == outbox.PENDING and first.attempts == 1 and first.last_error == "TelegramNetworkError"
    assert first.due_at - start >= timedelta(seconds=BACKOFF_BASE)
    assert await worker.drain_once(first.due_at - timedelta(seconds=1)) == 0, "not before the backoff"
    assert await worker.drain_once(first.due_at) == 0
    second = (await stored(app))[row_id]
    assert second.attempts == 2 and second.due_at - first.due_at >= timedelta(seconds=2 * BACKOFF_BASE)
    assert await worker.drain_once(second.due_at) == 1
    assert flaky.sent == ["eventually"] and (await stored(app))[row_id].status == outbox.SENT


async def test_transient_failures_give_up_after_max_attempts(app: App) -> None:
    row_id = await add(app, ALICE, "never")
    worker = fake_worker(app, Flaky(100), max_attempts=3)
    at = utcnow()
    for _ in range(5):
        await worker.drain_once(at)
        at += timedelta(hours=1)
    row = (await stored(app))[row_id]
    assert row.status == outbox.FAILED and row.attempts == 3


async def test_a_chat_gets_its_messages_in_order_unless_one_is_scheduled_later(app: App) -> None:
    now = utcnow()
    await add(app, ALICE, "reminder for tomorrow", due_at=now + timedelta(days=1))
    retrying = await add(app, BOB, "retrying", due_at=now + timedelta(seconds=30), attempts=1, last_error="TimedOut")
    await add(app, ALICE, "notice now")
    await add(app, BOB, "after the retry")
    flaky = Flaky(0)
    worker = fake_worker(app, flaky)

    await worker.drain_once()
    assert flaky.sent == ["notice now"], "a later reminder holds nothing back; a retried message keeps its place"
    await worker.drain_once(now + timedelta(seconds=30))
    assert flaky.sent == ["notice now", "retrying", "after the retry"]
    assert (await stored(app))[retrying].status == outbox.SENT


async def test_two_senders_never_claim_the_same_notification(app: App) -> None:
    for chat in range(10):
        await add(app, 630000 + chat, "first")
        await add(app, 630000 + chat, "second")

    async def claim() -> set[int]:
        async with app.sessions() as session:
            return {r.id for r in await outbox.claim_due(session, utcnow(), 100, LEASE) if r.id is not None}

    one, two = await asyncio.gather(claim(), claim())
    assert not one & two
    assert len(one | two) == 10, "only the oldest unsent notification of each chat is claimed"
    assert await claim() == set(), "later ones wait until the claimed ones are done"
    assert await pending(app) == 20 and await pending(app, 630000) == 2


async def test_two_workers_draining_together_send_everything_once_in_order(app: App) -> None:
    for chat in range(8):
        for part in range(3):
            await add(app, 640000 + chat, f"{chat}:{part}")
    one, two = Flaky(0), Flaky(0)
    two.sent = one.sent  # one record of what went out, in order

    await asyncio.gather(fake_worker(app, one, max_in_flight=2).drain_once(), fake_worker(app, two, max_in_flight=2).drain_once())

    sent = one.sent
    assert sorted(sent) == sorted(f"{chat}:{part}" for chat in range(8) for part in range(3)), "no loss, no duplicate"
    for chat in range(8):
        assert [t for t in sent if t.startswith(f"{chat}:")] == [f"{chat}:{part}" for part in range(3)]
    assert await pending(app) == 0


async def count_status(app: App, status: str) -> int:
    """Notifications in one status."""
    return sum(1 for row in (await stored(app)).values() if row.status == status)


async def test_the_next_batch_is_claimed_while_one_is_being_sent(app: App) -> None:
    for chat in range(9):
        await add(app, 650000 + chat, "notice")
    gate = asyncio.Event()
    attempts: list[int] = []

    async def deliver(out: Outgoing) -> None:
        attempts.append(out.chat_id or 0)
        await gate.wait()

    task = asyncio.create_task(fake_worker(app, deliver, batch_size=3, max_in_flight=1).drain_once())
    async with asyncio.timeout(5):
        while await count_status(app, outbox.SENDING) < 6:
            await asyncio.sleep(0.01)
    assert attempts == [650000], "sending does not wait for the database: the next batch is already claimed"
    gate.set()
    assert await task == 9
    assert await count_status(app, outbox.SENT) == 9


async def test_delivered_notifications_are_marked_sent_in_bulk(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[int] = []
    mark_all_sent = outbox.mark_all_sent

    async def counted(session: Any, ids: Any, at: Any) -> int:
        ids = list(ids)
        writes.append(len(ids))
        return await mark_all_sent(session, ids, at)

    monkeypatch.setattr(outbox, "mark_all_sent", counted)
    for chat in range(60):
        await add(app, 660000 + chat, "notice")

    assert await fake_worker(app, Flaky(0)).drain_once() == 60

    assert sum(writes) == 60 and max(writes) >= MARK_BATCH
    assert len(writes) <= 60 // MARK_BATCH + 3, f"one statement per few dozen messages, not per message: {writes}"
    rows = (await stored(app)).values()
    assert all(r.status == outbox.SENT and r.sent_at is not None for r in rows)


async def test_a_stopped_drain_hands_back_what_it_did_not_send_and_a_restart_sends_the_rest(app: App) -> None:
    chats = [670000 + i for i in range(40)]
    for chat in chats:
        await add(app, chat, str(chat))
    stop = asyncio.Event()
    before: list[int] = []

    async def deliver(out: Outgoing) -> None:
        before.append(out.chat_id or 0)
        if len(before) == 10:
            stop.set()

    await fake_worker(app, deliver, max_in_flight=1).run(stop)

    rows = list((await stored(app)).values())
    assert [r.status for r in rows].count(outbox.SENT) == 10
    assert not [r for r in rows if r.status == outbox.SENDING], "claimed rows not sent are handed back at once"
    after = Flaky(0)
    assert await fake_worker(app, after).drain_once() == 30
    assert sorted(before + [int(text) for text in after.sent]) == chats, "every chat once: none lost, none twice"


async def test_a_crash_before_the_marks_are_written_resends_after_the_lease(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    for chat in range(5):
        await add(app, 675000 + chat, "notice")

    async def database_gone(*_: Any) -> int:
        raise ConnectionError("database gone")

    monkeypatch.setattr(outbox, "mark_all_sent", database_gone)
    assert await fake_worker(app, Flaky(0)).drain_once() == 5
    assert await count_status(app, outbox.SENDING) == 5, "delivered, but not marked"
    monkeypatch.undo()

    again = Flaky(0)
    now = utcnow()
    assert await fake_worker(app, again).drain_once(now + LEASE / 2) == 0, "not while the lease holds"
    assert await fake_worker(app, again).drain_once(now + LEASE + timedelta(seconds=1)) == 5, "at least once: never lost"
    rows = (await stored(app)).values()
    assert all(r.status == outbox.SENT and r.attempts == 1 for r in rows)


async def test_many_sends_in_flight_stay_within_the_emulated_limit(env: Env) -> None:
    env.api.limit_rate(per_second=30, clock=env.time.clock)  # the worker runs at 30/s too, 16 sends in flight
    chats = [680000 + i for i in range(100)]
    for chat in chats:
        await add(env.app, chat, f"n{chat}")

    assert await env.worker().drain_once() == 100

    assert all(c.status == 200 for c in env.api.calls_of("sendMessage")), "a send counts until its answer: no 429"
    assert sorted(int(c.params["chat_id"]) for c in env.api.delivered()) == chats
    assert env.time.now - 1000.0 >= 3.0, "100 messages at 30/s take more than three seconds"


async def test_flood_control_with_sends_in_flight_loses_and_repeats_nothing(env: Env) -> None:
    env.api.limit_rate(per_second=10, clock=env.time.clock)  # a third of the worker's rate: 429s
    chats = [690000 + i for i in range(60)]
    for chat in chats:
        await add(env.app, chat, f"n{chat}")

    assert await env.worker().drain_once() == 60, "each 429 pauses the drain, which then goes on"

    assert [c.status for c in env.api.calls_of("sendMessage")].count(429) > 0
    assert sorted(int(c.params["chat_id"]) for c in env.api.delivered()) == chats, "each chat once"
    rows = (await stored(env.app)).values()
    assert all(r.status == outbox.SENT and r.attempts == 0 for r in rows), "flood control is not a failed attempt"


async def test_run_delivers_in_the_background_and_stops_promptly(app: App) -> None:
    flaky = Flaky(0)
    stop = asyncio.Event()
    task = asyncio.create_task(DeliveryWorker(app, flaky, idle_seconds=0.05).run(stop))
    await add(app, ALICE, "background")
    async with asyncio.timeout(2):
        while not flaky.sent:
            await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert flaky.sent == ["background"]


async def test_console_prints_notifications_for_its_user_only(app: App) -> None:
    await add(app, 1, "您的准考证已生成", INLINE)
    await add(app, BOB, "for someone else")
    await add(app, 1, "tomorrow", due_at=utcnow() + timedelta(days=1))
    out = io.StringIO()
    console = Console(app, io.StringIO(""), out, user_id=1)

    await console.run(banner=False)

    printed = out.getvalue()
    assert "📬 新通知：" in printed and "您的准考证已生成" in printed and "[1] Open" in printed
    assert "for someone else" not in printed and "tomorrow" not in printed
    rows = {r.payload["text"]: r for r in (await stored(app)).values()}
    assert rows["您的准考证已生成"].status == outbox.SENT
    assert rows["for someone else"].status == outbox.PENDING and rows["tomorrow"].status == outbox.PENDING

    await add(app, 1, "session moved")
    await console.handle_line("/help")
    assert printed.count("📬") == 1 and "session moved" in out.getvalue().split("> /help", 1)[1]


async def wait_for_delivery(api: FakeBotApi, chat_id: int, task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(5):
        while not api.delivered(chat_id):
            assert not task.done(), task
            await asyncio.sleep(0.02)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "outbox-delivery"]


@pytest.mark.parametrize("framework", TRANSPORTS, ids=lambda f: f.value)
async def test_polling_runs_the_scheduler_and_delivers_the_outbox(tmp_path: Path, fake_api: FakeBotApi, framework: Framework) -> None:
    settings = make_settings(tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url, bot_framework=framework)
    application = build_app(settings)
    await upgrade_database(application)
    await add(application, ALICE, "from the outbox")
    task = asyncio.create_task(run_polling(application))
    try:
        await wait_for_delivery(fake_api, ALICE, task)
        assert application.jobs is not None
    finally:
        await stop(task)
        await application.close()
    assert application.jobs is None, "the scheduler was shut down"
    assert_valid(fake_api.calls)


@pytest.mark.parametrize("framework", TRANSPORTS, ids=lambda f: f.value)
async def test_the_webhook_server_delivers_the_outbox(tmp_path: Path, fake_api: FakeBotApi, framework: Framework) -> None:
    settings = make_settings(
        tmp_path,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base=fake_api.base_url,
        bot_framework=framework,
        webhook_url="https://bot.example.test/webhook",
        webhook_secret=SECRET,
        webhook_port=free_port(),
    )
    application = build_app(settings)
    await application.create_schema()
    await add(application, ALICE, "from the outbox")
    task = asyncio.create_task(serve_webhook(application, create_transport(application)))
    try:
        await wait_for_delivery(fake_api, ALICE, task)
        assert application.jobs is not None
    finally:
        await stop(task)
    assert application.jobs is None
    assert_valid(fake_api.calls)
