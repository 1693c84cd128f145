"""What services need from the scheduler: add, replace and remove persisted jobs by explicit id."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

JobArg = int | str


class Jobs(Protocol):
    """Persisted one-shot jobs; arguments are primitive ids only, job ids are explicit and stable."""

    async def schedule(self, job_id: str, run_at: datetime, func: str, args: tuple[JobArg, ...]) -> None:
        """Add or replace the job `job_id` to call `func` ("module:function") with `args` at `run_at`."""

    async def cancel(self, job_id: str) -> bool:
        """Remove a job; False when there was none."""

    async def cancel_prefix(self, prefix: str) -> int:
        """Remove every job whose id starts with `prefix`; returns how many."""

    async def run_time(self, job_id: str) -> datetime | None:
        """When a job is due (timezone-aware), or None when there is no such job."""
