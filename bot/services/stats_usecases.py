"""Use case of /stats, shared by every transport (callers check the staff role)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.services import stats
from bot.services.turn import Outcome, Turn
from flows import stats as flow
from flows.events import Command

COMMANDS = (flow.COMMAND,)


async def route(turn: Turn, command: Command) -> Outcome:
    """/stats: candidates, sat, passed and pass rate per batch and occupation; bodies above 90 % flagged (O1)."""
    now = turn.now or datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo(turn.app.settings.timezone)).date()
    found = await stats.report(turn.session, today)
    return await turn.run(lambda st, ev, ctx: flow.show(st, ctx, found), command)
