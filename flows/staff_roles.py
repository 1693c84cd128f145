"""/staff: staff and examiner accounts by role (names masked); admins change another account's role with buttons.

`sf:u:<user>` opens the role choice for one account, `sf:r:<user>:<role>` sets it (never the admin's own account).
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import ROLES
from flows.replies import Label, MenuUpdate, Text, button, inline
from flows.state import ConversationState

COMMAND = "staff"
PREFIX = "sf"
PICK, SET = "u", "r"
ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    """One listed account: id, role and masked name."""

    user_id: int
    role: str
    name: str


def _digits(raw: str) -> bool:
    """A Telegram user id in a button: ASCII digits, at most 18 (a signed 64-bit store column holds it)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 18


def parse_button(data: str) -> tuple[str, int, str | None] | None:
    """(action, user id, role) of an `sf:` button; None when malformed."""
    parts = data.split(":")
    if len(parts) == 3 and parts[:2] == [PREFIX, PICK] and _digits(parts[2]):
        return PICK, int(parts[2]), None
    if len(parts) == 4 and parts[:2] == [PREFIX, SET] and _digits(parts[2]) and parts[3] in ROLES:
        return SET, int(parts[2]), parts[3]
    return None


def listing(state: ConversationState, ctx: FlowContext, accounts: list[Account]) -> FlowResult:
    """Accounts by role; an admin gets one button per other account."""
    lines = [Label("staff_roles.row", {"role": Label(f"role.{a.role}"), "name": a.name, "id": a.user_id}) for a in accounts]
    rows = []
    if ctx.role == ADMIN:
        rows = [[button("staff_roles.pick_button", f"{PREFIX}:{PICK}:{a.user_id}", name=a.name, id=a.user_id)]
                for a in accounts if a.user_id != ctx.user_id]
    markup = inline(*rows) if rows else None
    return FlowResult(state, [Text("staff_roles.list", {"rows": lines, "admin": ctx.role == ADMIN}, markup)])


def choose(state: ConversationState, ctx: FlowContext, account: Account | None) -> FlowResult:
    """The role buttons for one account (not the admin's own)."""
    if account is None or account.user_id == ctx.user_id:
        return FlowResult(state, [Text("staff_roles.refused")])
    buttons = [button(f"role.{r}", f"{PREFIX}:{SET}:{account.user_id}:{r}") for r in ROLES if r != account.role]
    keyboard = inline(buttons[:3], buttons[3:])
    params = {"name": account.name, "id": account.user_id, "role": Label(f"role.{account.role}")}
    return FlowResult(state, [Text("staff_roles.choose", params, keyboard)])


def changed(state: ConversationState, ctx: FlowContext, user_id: int, before: str | None, after: str | None) -> FlowResult:
    """The role was changed (the account's command menu follows), or the change was refused (after None)."""
    if after is None:
        return FlowResult(state, [Text("staff_roles.refused")])
    params = {"id": user_id, "before": Label(f"role.{before}" if before else "role.candidate"), "after": Label(f"role.{after}")}
    return FlowResult(state, [Text("staff_roles.changed", params), MenuUpdate(after, chat_id=user_id)])
