"""Benchmarks, run one at a time with `python -m bench NAME [options]`; `python -m bench` lists them.

To add one: write `bench/<name>.py` with a one-line module docstring and `main(argv: list[str]) -> int`,
then add it to BENCHMARKS below.
"""

from __future__ import annotations

import importlib
from types import ModuleType

BENCHMARKS: dict[str, str] = {
    "tickets": "bench.tickets",
    "certificates": "bench.certificates",
    "broadcast": "bench.broadcast",
    "scheduler": "bench.scheduler",
    "webhook": "bench.webhook",
}


def load(name: str) -> ModuleType:
    """The benchmark module registered under a name (KeyError for an unknown name)."""
    return importlib.import_module(BENCHMARKS[name])


def summary(name: str) -> str:
    """The first line of a benchmark's module docstring."""
    doc = load(name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
