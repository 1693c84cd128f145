"""Job functions for scheduler tests: they record their calls so a test can see what ran and how often.

APScheduler runs jobs by textual reference ("tests.support.jobs_probe:record"), so the record has to live at
module level; tests call `reset()` first.
"""

from __future__ import annotations

import asyncio
import time

CALLS: list[tuple[str, tuple[int | str, ...]]] = []  # module-level by necessity (jobs are stored by reference)

RECORD = "tests.support.jobs_probe:record"
FAIL = "tests.support.jobs_probe:fail"


def reset() -> None:
    """Forget recorded calls."""
    CALLS.clear()


async def record(*args: int | str) -> None:
    """A job that only records that it ran, with its arguments."""
    CALLS.append(("record", tuple(args)))


async def fail(*args: int | str) -> None:
    """A job that records its call and then raises."""
    CALLS.append(("fail", tuple(args)))
    raise RuntimeError("probe failure")


async def wait_for_calls(count: int, timeout: float = 5.0) -> list[tuple[str, tuple[int | str, ...]]]:
    """Poll until at least `count` calls were recorded (or the timeout passes); returns a copy of the calls."""
    deadline = time.monotonic() + timeout
    while len(CALLS) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return list(CALLS)
