"""A candidate withdraws an application (/my → withdraw → confirm); the ticket is voided and reminders stop."""

from __future__ import annotations

from flows.context import FlowContext
from flows.engine import FlowResult
PREFIX = "ap"  # the /my buttons' namespace (flows.my.PREFIX), shared by its withdraw buttons
from flows.replies import InlineButton, InlineKeyboard, Label, Text
from flows.state import ConversationState

ASK, CONFIRM = "wd", "wd!"
WITHDRAWABLE = ("submitted", "approved", "needs_supplement")
WITHDRAWN = "withdrawn"


def data(action: str, application_id: int) -> str:
    """Callback data `ap:wd:<id>` (ask) or `ap:wd!:<id>` (confirmed)."""
    return f"{PREFIX}:{action}:{application_id}"


def target(button: str) -> tuple[str, int] | None:
    """(action, application id) of a withdraw button, else None."""
    parts = button.split(":")
    if len(parts) == 3 and parts[0] == PREFIX and parts[1] in (ASK, CONFIRM) and parts[2].isascii() and parts[2].isdigit() and len(parts[2]) <= 12:
        return parts[1], int(parts[2])
    return None


def button(number: str, application_id: int) -> InlineButton:
    """The "withdraw" button of one application in /my."""
    return InlineButton(Label("withdraw.button", {"number": number}), data=data(ASK, application_id))


def ask(state: ConversationState, ctx: FlowContext, number: str | None, application_id: int) -> FlowResult:
    """Confirm before withdrawing (the seat is given up and cannot be taken back)."""
    if number is None:
        return FlowResult(state, [Text("withdraw.not_possible")])
    keyboard = InlineKeyboard(((InlineButton(Label("withdraw.confirm_button"), data=data(CONFIRM, application_id)),),))
    return FlowResult(state, [Text("withdraw.confirm", {"number": number}, keyboard)])


def done(state: ConversationState, ctx: FlowContext, number: str | None) -> FlowResult:
    """Withdrawn (or it could not be: someone changed it meanwhile, or it is not the user's)."""
    if number is None:
        return FlowResult(state, [Text("withdraw.not_possible")])
    return FlowResult(state, [Text("withdraw.done", {"number": number})])
