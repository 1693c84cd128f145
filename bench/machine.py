"""What a benchmark ran on: CPU model, cores, Python version and date, for the results table."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or what the platform module knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def pin_to_core(cpu: int) -> int | None:
    """Restrict this process to one CPU (Linux); the CPU number, or None where affinity is not available."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    os.sched_setaffinity(0, {cpu})
    return cpu


def describe(pinned: int | None = None) -> str:
    """One line: CPU, cores, pinning, Python, date."""
    cores = os.cpu_count() or 1
    pin = f", pinned to cpu {pinned}" if pinned is not None else ""
    return (
        f"{cpu_model()}, {cores} cores{pin}; Python {platform.python_version()} ({platform.python_implementation()}); "
        f"{platform.system()} {platform.machine()}; {dt.date.today().isoformat()}"
    )
