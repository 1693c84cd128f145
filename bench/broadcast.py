"""Broadcast delivery: the real outbox worker against a loopback Bot API enforcing 30 msg/s with 429s, vs a naive sender."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import select

from bench.machine import describe
from bot.app import App, build_app
from bot.delivery import DeliveryWorker
from bot.outgoing import Outgoing
from bot.services import broadcasts
from bot.settings import Settings
from flows import broadcast as flow
from handlers.base import DeliveryFailed
from handlers.registry import create_transport
from storage.models import Notification, UserAccount
from tests.support.fake_bot_api import FakeBotApi

TOKEN = "123456:BENCH-token-for-the-emulator"
DATA_KEY = "bench-data-key-0123456789abcdef-0123456789"
LIMIT = 30.0
FIRST_CHAT = 5_000_000_000
STAFF = 4_000_000_001
DEFAULT_RATE = float(Settings.model_fields["send_rate_per_second"].default)  # the production default


@dataclass(frozen=True)
class Run:
    """One sender's figures."""

    label: str
    messages: int
    seconds: float
    delivered: int
    duplicates: int
    lost: int
    refused_429: int

    def line(self) -> str:
        """A table row."""
        rate = self.delivered / self.seconds if self.seconds else 0.0
        return (f"  {self.label:<34} {self.seconds:>8.1f} {rate:>8.2f} {rate / LIMIT * 100:>7.1f}% {self.refused_429:>6}"
                f" {self.lost:>6} {self.duplicates:>6}")


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench broadcast", description=__doc__)
    parser.add_argument("--count", type=int, default=3000, help="recipients of the broadcast (default 3000)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help=f"SEND_RATE_PER_SECOND of the worker (default {DEFAULT_RATE:g})")
    parser.add_argument("--baseline-count", type=int, default=600, help="messages for the naive sender (default 600)")
    parser.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram", help="transport (default aiogram)")
    return parser.parse_args(argv)


def _figures(api: FakeBotApi, label: str, chats: list[int], seconds: float, first: float | None = None) -> Run:
    """Delivered, duplicate and lost messages and 429s from the emulator's record; the rate counts from the first send."""
    calls = api.calls_of("sendMessage")
    ok = Counter(int(c.params["chat_id"]) for c in calls if c.status == 200)
    duplicates = sum(n - 1 for n in ok.values() if n > 1)
    lost = sum(1 for chat in chats if ok.get(chat, 0) == 0)
    return Run(label, len(chats), seconds, sum(ok.values()), duplicates, lost, sum(1 for c in calls if c.status == 429))


async def _app(directory: Path, api: FakeBotApi, rate: float, framework: str) -> App:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=directory / "data", database_url=f"sqlite:///{directory / 'bench.sqlite3'}", data_key=DATA_KEY,
        telegram_bot_token=TOKEN, telegram_api_base=api.base_url, bot_framework=framework, bot_username="skillbot_bench_bot",
        send_rate_per_second=rate, scheduler_enabled=False,
    )
    app = build_app(settings)
    await app.create_schema()
    return app


async def _queue(app: App, chats: list[int]) -> tuple[int, float]:
    """Accounts with role proctor, a broadcast to them confirmed like the button does; (queued, seconds)."""
    async with app.sessions() as session:
        session.add_all([UserAccount(id=chat, role="proctor") for chat in chats])
        await session.commit()
    started = time.perf_counter()
    async with app.sessions() as session:
        row = await broadcasts.draft(session, STAFF, flow.Audience("role", "proctor"), "明天 7:30 到考点集合。", len(chats))
        await session.commit()
        assert row.id is not None
        broadcast_id = row.id
    async with app.sessions() as session:
        done = await broadcasts.confirm(app, session, STAFF, broadcast_id, datetime.now(timezone.utc))
    assert done is not None
    return done.queued, time.perf_counter() - started


async def _worker(api: FakeBotApi, options: argparse.Namespace, directory: Path) -> tuple[Run, float]:
    api.clear()
    api.limit_rate(per_second=LIMIT)
    app = await _app(directory, api, options.rate, options.framework)
    transport = create_transport(app)
    chats = [FIRST_CHAT + i for i in range(options.count)]
    try:
        queued, enqueue_seconds = await _queue(app, chats)
        assert queued == len(chats)
        started = time.perf_counter()
        worker = DeliveryWorker(app, transport.deliver)
        while True:  # drain until nothing is pending (retries after 429 come due a second or so later)
            await worker.drain_once()
            async with app.sessions() as session:
                left = (await session.exec(select(Notification.id).where(Notification.status.in_(("pending", "sending"))))).first()  # type: ignore[attr-defined]
            if left is None:
                break
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        await transport.close()
        await app.close()
    return _figures(api, f"outbox worker at {options.rate:g}/s", chats, seconds), enqueue_seconds


async def _naive(api: FakeBotApi, options: argparse.Namespace, directory: Path) -> Run:
    """Baseline: every message sent at once, 8 in flight, no limiter, no retry (a 429 is a lost message)."""
    api.clear()
    api.limit_rate(per_second=LIMIT)
    app = await _app(directory, api, options.rate, options.framework)
    transport = create_transport(app)
    chats = [FIRST_CHAT + 10_000_000 + i for i in range(options.baseline_count)]
    slots = asyncio.Semaphore(8)

    async def send(chat: int) -> None:
        async with slots:
            try:
                await transport.deliver(Outgoing("message", chat, "📢 通知\n\n明天 7:30 到考点集合。"))
            except DeliveryFailed:
                pass

    started = time.perf_counter()
    try:
        await asyncio.gather(*(send(chat) for chat in chats))
    finally:
        await transport.close()
        await app.close()
    return _figures(api, "naive sender (no limiter, no retry)", chats, time.perf_counter() - started)


async def _run(options: argparse.Namespace) -> int:
    api = FakeBotApi()
    await api.start()
    try:
        with tempfile.TemporaryDirectory() as worker_dir, tempfile.TemporaryDirectory() as naive_dir:
            worker, enqueue_seconds = await _worker(api, options, Path(worker_dir))
            naive = await _naive(api, options, Path(naive_dir))
    finally:
        await api.stop()
    print(describe())
    print(f"emulated Bot API: {LIMIT:g} msg/s global, 1 msg/s per chat, 429 with retry_after beyond; transport {options.framework}")
    print(f"broadcast to {options.count} chats queued (one outbox row each) in {enqueue_seconds:.1f} s")
    print(f"  {'sender':<34} {'seconds':>8} {'msg/s':>8} {'limit':>8} {'429s':>6} {'lost':>6} {'dupl.':>6}")
    print(worker.line())
    print(naive.line())
    ok = worker.lost == 0 and worker.duplicates == 0 and worker.delivered == worker.messages
    print("worker: no lost and no duplicate message" if ok else "worker: MESSAGES LOST OR DUPLICATED")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    """Run the broadcast benchmark and print the figures."""
    return asyncio.run(_run(_options(argv)))
