"""Use cases of /staff, shared by every transport: staff and admins list accounts, only admins change roles."""

from __future__ import annotations

from bot.services import staff_admin
from bot.services.turn import Outcome, Turn
from flows import staff_roles as flow
from flows.events import ButtonPress, Command

COMMANDS = (flow.COMMAND,)
PREFIX = flow.PREFIX
CHANGE_ROLES = (flow.ADMIN,)  # who may press the role buttons (the router filters too)


async def _accounts(turn: Turn) -> list[flow.Account]:
    rows = await staff_admin.staff_rows(turn.session, turn.app.settings.default_locale)
    return [flow.Account(r.user_id, r.role, r.name) for r in rows]


async def route(turn: Turn, command: Command) -> Outcome:
    """/staff: the accounts by role (buttons for admins)."""
    accounts = await _accounts(turn)
    return await turn.run(lambda st, ev, ctx: flow.listing(st, ctx, accounts), command)


async def button(turn: Turn, data: str) -> Outcome:
    """An `sf:` button: choose a role for an account, or set it (admins only, never their own; audited)."""
    event = ButtonPress(data)
    parsed = flow.parse_button(data)
    user = await turn.user()
    if parsed is None or user.role not in CHANGE_ROLES:
        return await turn.run(lambda st, ev, ctx: flow.changed(st, ctx, 0, None, None), event)
    action, user_id, role = parsed
    if action == flow.PICK:
        account = next((a for a in await _accounts(turn) if a.user_id == user_id), None)
        return await turn.run(lambda st, ev, ctx: flow.choose(st, ctx, account), event)
    assert role is not None
    change = await staff_admin.change_role(turn.session, user.id, user_id, role)
    before, after = (change.before, change.after) if change else (None, None)
    return await turn.run(lambda st, ev, ctx: flow.changed(st, ctx, user_id, before, after), event)
