"""Timing figures shared by benchmarks: per-item CPU time (robust when other processes share the machine), rate,
percentiles, and the wall time of the whole run."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Per-item CPU seconds of this process, and the wall seconds of the whole run."""

    seconds: tuple[float, ...]
    wall: float

    @property
    def rate(self) -> float:
        """Items per CPU second: what one core does when it is not shared."""
        total = sum(self.seconds)
        return len(self.seconds) / total if total else math.inf

    @property
    def wall_rate(self) -> float:
        """Items per wall-clock second (lower than `rate` when other processes took the CPU)."""
        return len(self.seconds) / self.wall if self.wall else math.inf

    def percentile_ms(self, share: float) -> float:
        """The per-item time at a share (0.5 = median) in milliseconds, nearest rank."""
        ordered = sorted(self.seconds)
        rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
        return ordered[rank] * 1000


def time_each(items: Sequence[T], work: Callable[[T], object]) -> Timing:
    """Run `work` on every item, timing each call in process CPU time (`time.process_time`)."""
    seconds: list[float] = []
    cpu = time.process_time
    started = time.perf_counter()
    for item in items:
        start = cpu()
        work(item)
        seconds.append(cpu() - start)
    return Timing(tuple(seconds), time.perf_counter() - started)
