"""Use cases of the exam-day checklists shared by every transport: a tick button or the overview's refresh button.

Routers let exam roles, staff and admins through (CHECKLIST_ROLES); who may tick which item of which room is decided
here from the current assignments (`checklists.press`), anyone else gets a refusal as the callback answer.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import checklists
from bot.services.turn import Outcome, Turn
from flows import checklist as flow
from flows.checklist import GONE, PressResult, Refresh
from flows.events import ButtonPress
from flows.form_model import FlowResult
from flows.menu import EXAM_ROLES, STAFF_ROLES

PREFIX = flow.PREFIX  # callback-data namespace ("ck")
CHECKLIST_ROLES = EXAM_ROLES + STAFF_ROLES


async def button(turn: Turn, data: str) -> Outcome:
    """A `ck:` button: tick or untick an item (the checklist is edited in place) or refresh the overview."""
    user = await turn.user()
    user_id, role = user.id, user.role
    now = turn.now or datetime.now(timezone.utc)
    parsed = flow.parse(data)
    if parsed is None:
        result = PressResult(GONE)
    elif isinstance(parsed, Refresh):
        result = await checklists.refresh(turn.app, turn.session, user_id, role, parsed, now)
    else:
        result = await checklists.press(turn.app, turn.session, user_id, parsed, now)
    await turn.session.commit()
    replies = flow.pressed(result)
    return await turn.run(lambda st, ev, ctx: FlowResult(st, replies), ButtonPress(data))
