"""Staff replies: invitation usage, errors and the created link."""

from __future__ import annotations

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import INVITABLE_ROLES
from flows.replies import Label, Text
from flows.state import ConversationState


def _roles() -> str:
    return ", ".join(INVITABLE_ROLES)


def invite_usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to use /invite."""
    return FlowResult(state, [Text("invite.usage", {"roles": _roles()})])


def invite_bad_role(state: ConversationState, ctx: FlowContext, role: str) -> FlowResult:
    """/invite with a role that cannot be invited."""
    return FlowResult(state, [Text("invite.bad_role", {"role": role, "roles": _roles()})])


def invite_created(state: ConversationState, ctx: FlowContext, role: str, link: str, hours: int) -> FlowResult:
    """The one-time link for the new staff member."""
    return FlowResult(state, [Text("invite.created", {"role": Label(f"role.{role}"), "link": link, "hours": hours})])
