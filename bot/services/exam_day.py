"""Exam-day jobs of a batch's sittings (checklists, attendance, room records), planned once its tickets are out.

Every planner schedules its jobs for one sitting under explicit job ids, so planning again replaces them (after a
sitting moves, a room is added or tickets are re-sent); jobs carry only ids and read the current assignments when
they fire. Call `plan_batch` after the commit; it does nothing without a running scheduler (`app.jobs` is None).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.app import App
from bot.services import checklists
from bot.services import room_records
from bot.services import attendance
from storage.repositories import batches


class SittingPlanner(Protocol):
    """A feature with exam-day jobs per sitting (a module with these two functions)."""

    async def plan_sitting(self, app: App, session_id: int, starts_at: datetime, ends_at: datetime) -> int:
        """Schedule (or replace) this feature's jobs of one sitting; returns the jobs scheduled."""
        ...

    async def cancel_sitting(self, app: App, session_id: int) -> int:
        """Drop this feature's jobs of one sitting; returns the jobs removed."""
        ...


PLANNERS: tuple[SittingPlanner, ...] = (checklists, room_records, attendance,)


async def plan_batch(app: App, batch_id: int) -> int:
    """Plan every exam-day job of the batch's sittings when its tickets are issued; returns the jobs scheduled."""
    if app.jobs is None:
        return 0
    async with app.sessions() as session:
        batch = await batches.get(session, batch_id)
        if batch is None or batch.tickets_issued_at is None:
            return 0
        sittings = [(s.id or 0, s.starts_at, s.ends_at) for s in await batches.sessions_of(session, batch_id)]
    planned = 0
    for session_id, starts_at, ends_at in sittings:
        for planner in PLANNERS:
            planned += await planner.plan_sitting(app, session_id, starts_at, ends_at)
    return planned
