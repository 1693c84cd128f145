"""Console routes of /broadcast, /stats, /export and /staff (the same role checks as the Telegram routers)."""

from __future__ import annotations

from bot.services import broadcast_usecases, export_usecases, staff_usecases, stats_usecases
from bot.services.turn import Outcome, Turn
from flows.events import Command
from flows.menu import STAFF_ROLES


async def route_command(turn: Turn, command: Command) -> Outcome | None:
    """The outcome of one of these commands for staff and admins; None when it is not theirs to handle."""
    if (await turn.user()).role not in STAFF_ROLES:
        return None
    if command.name in broadcast_usecases.COMMANDS:
        return await broadcast_usecases.route(turn, command)
    if command.name in stats_usecases.COMMANDS:
        return await stats_usecases.route(turn, command)
    if command.name in export_usecases.COMMANDS:
        return await export_usecases.route(turn, command)
    if command.name in staff_usecases.COMMANDS:
        return await staff_usecases.route(turn, command)
    return None


async def route_button(turn: Turn, data: str) -> Outcome | None:
    """The outcome of a `bc:` (staff) or `sf:` (admins) button; None when it is not theirs to handle."""
    role = (await turn.user()).role
    if data.startswith(broadcast_usecases.PREFIX + ":") and role in STAFF_ROLES:
        return await broadcast_usecases.button(turn, data)
    if data.startswith(staff_usecases.PREFIX + ":") and role in staff_usecases.CHANGE_ROLES:
        return await staff_usecases.button(turn, data)
    return None
