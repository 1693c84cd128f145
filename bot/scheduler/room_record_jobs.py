"""Job entry point of the room record (C9): a module-level coroutine with primitive arguments, stored by reference."""

from __future__ import annotations

from bot.scheduler import runtime
from bot.services import room_records


async def fire_room_record(session_id: int) -> None:
    """At the sitting's end: ask each room's chief proctor for the papers count (`bot.services.room_records.fire`)."""
    await room_records.fire(runtime.current(), session_id)
