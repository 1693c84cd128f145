"""Job entry points of the exam-day attendance: module-level coroutines with primitive arguments (see jobs.py)."""

from __future__ import annotations

from bot.scheduler import runtime
from bot.services import attendance


async def fire_absentees(session_id: int) -> None:
    """Send (enqueue) the sitting's T+30 absentee lists if still due (`bot.services.attendance.fire_absentees`)."""
    await attendance.fire_absentees(runtime.current(), session_id)
