"""Job entry points of staff deadlines: module-level coroutines with primitive arguments (see jobs.py)."""

from __future__ import annotations

from bot.scheduler import runtime
from bot.services import staff_deadlines


async def remind(batch_id: int, rule: str, lead: int) -> None:
    """Remind staff and admins of a deadline not done yet (`bot.services.staff_deadlines.remind`)."""
    await staff_deadlines.remind(runtime.current(), batch_id, rule, lead)


async def escalate(batch_id: int, rule: str) -> None:
    """Escalate an overdue deadline to admins and plan tomorrow's (`bot.services.staff_deadlines.escalate`)."""
    await staff_deadlines.escalate(runtime.current(), batch_id, rule)
