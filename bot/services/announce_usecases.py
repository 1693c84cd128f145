"""Staff use cases for announcements, shared by every transport (the caller has checked the staff role)."""

from __future__ import annotations

from bot.services import announcements
from bot.services.turn import Outcome, Turn
from flows import announce_staff, commands
from flows.events import Command

ANNOUNCE = "announce"
LIST = "announcements"
CLOSE = "close_announcement"
COMMANDS = (ANNOUNCE, LIST, CLOSE)
MAX_ID_DIGITS = 12


async def announce(turn: Turn, event: Command) -> Outcome:
    """/announce: start or resume the announcement form."""
    return await turn.run(lambda st, ev, ctx: commands.open_form(ANNOUNCE, st, ctx), event, forms=(ANNOUNCE,))


async def list_open(turn: Turn, event: Command) -> Outcome:
    """/announcements: the open announcements with id, title, levels and window."""
    rows = await announcements.open_rows(turn.session)
    return await turn.run(lambda st, ev, ctx: announce_staff.listing(st, ctx, rows), event)


async def close(turn: Turn, event: Command) -> Outcome:
    """/close_announcement ID: close an open announcement (audited by the effect)."""
    raw = event.args.strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS):
        return await turn.run(lambda st, ev, ctx: announce_staff.close_usage(st, ctx), event)
    announcement_id = int(raw)
    row = await announcements.row_for_close(turn.session, announcement_id)
    return await turn.run(lambda st, ev, ctx: announce_staff.close(st, ctx, announcement_id, row), event)


async def route(turn: Turn, event: Command) -> Outcome:
    """Dispatch one of COMMANDS."""
    if event.name == ANNOUNCE:
        return await announce(turn, event)
    if event.name == LIST:
        return await list_open(turn, event)
    return await close(turn, event)
