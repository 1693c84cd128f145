"""Job entry points of the exam-day checklists: module-level coroutines with primitive arguments (see jobs.py)."""

from __future__ import annotations

from bot.scheduler import runtime
from bot.services import checklists


async def fire_moment(session_id: int, moment: str) -> None:
    """Send (enqueue) a moment's checklists of one sitting if still due (`bot.services.checklists.fire_moment`)."""
    await checklists.fire_moment(runtime.current(), session_id, moment)


async def escalate(session_id: int, moment: str, level: str) -> None:
    """Escalate a moment's open items to the chief proctors or to staff (`bot.services.checklists.escalate`)."""
    await checklists.escalate(runtime.current(), session_id, moment, level)
