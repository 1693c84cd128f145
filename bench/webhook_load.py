"""Load generator and reply check of `bench webhook`: C keep-alive connections POSTing Update JSON, replies matched."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import aiohttp

from bench.stats import Timing
from bot.webhook import SECRET_HEADER

Reply = tuple[int, str, int, float]  # chat_id, text, HTTP status at the emulator, monotonic time of the answer


@dataclass(frozen=True)
class Request:
    """One webhook request: the Update JSON body, its chat, and a text its reply must contain."""

    body: bytes
    chat_id: int
    expect: str


@dataclass(frozen=True)
class Load:
    """HTTP figures of one run: per-request latency (wall seconds), failures, and when the run ended (monotonic)."""

    timing: Timing
    failed: int
    finished: float


@dataclass(frozen=True)
class Delivery:
    """Replies at the emulator: requests answered by a matching sendMessage, extra messages, the last reply's time."""

    matched: int
    extra: int
    last: float | None


async def fire(url: str, secret: str, requests: list[Request], concurrency: int) -> Load:
    """POST every request over `concurrency` keep-alive connections; a non-200 answer counts as failed."""
    headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
    latencies: list[float] = []
    failed = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def client() -> None:
            nonlocal failed
            for request in queue:
                start = time.perf_counter()
                async with session.post(url, data=request.body, headers=headers) as response:
                    await response.read()
                    failed += response.status != 200
                latencies.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return Load(Timing(tuple(latencies), wall), failed, time.monotonic())


def match(requests: list[Request], replies: list[Reply]) -> Delivery:
    """Pair every request with one delivered reply to its chat containing its expected text."""
    by_chat: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for chat_id, text, status, at in replies:
        if status == 200:
            by_chat[chat_id].append((text, at))
    matched, last = 0, None
    for request in requests:
        pending = by_chat.get(request.chat_id, [])
        found = next((i for i, (text, _) in enumerate(pending) if request.expect in text), None)
        if found is None:
            continue
        _, at = pending.pop(found)
        matched += 1
        last = at if last is None else max(last, at)
    return Delivery(matched, sum(len(rest) for rest in by_chat.values()), last)
