"""Job entry points: module-level coroutines with primitive arguments, stored by reference in the job store."""

from __future__ import annotations

from bot.scheduler import runtime
from bot.services import reminders


async def fire_reminder(ticket_id: int, session_id: int, kind: str) -> None:
    """Send (enqueue) one candidate reminder if it still applies (`bot.services.reminders.fire`)."""
    await reminders.fire(runtime.current(), ticket_id, session_id, kind)
