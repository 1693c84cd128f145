"""A user's applications (/my) and fixing a rejected or incomplete one: the apply form reopened, prefilled.

The service supplies `ctx.facts["my"]` (the list) and `ctx.facts["fix"]` (`{"values": …}` in the apply form's
value shapes, decrypted only in memory) for the application a fix button or /apply is about. A resubmission
carries `__resubmit_of` (the application id) and `__resubmit_number` as form metadata (kept across steps by the
engine); the apply facts then give the receipt the existing number and do not count it as its own duplicate.
"""

from __future__ import annotations

from typing import Any

from flows import engine
from flows.apply import APPLY_FORM
from flows.context import FlowContext
from flows.engine import SUMMARY, FlowResult, nav
from flows.form_render import prompt
from flows.replies import InlineButton, InlineKeyboard, Label, Reply, Text
from flows.review_card import FIXABLE, level_label, status_label
from flows.state import ConversationState, FormProgress
from flows import withdraw

PREFIX = "ap"  # callback-data namespace of the candidate's application buttons


def fix_data(application_id: int) -> str:
    """Callback data of the "fix and resubmit" button."""
    return f"{PREFIX}:fix:{application_id}"


def fix_target(button: str) -> int | None:
    """The application id of an `ap:fix:<id>` button, else None."""
    parts = button.split(":")
    if len(parts) == 3 and parts[:2] == [PREFIX, "fix"] and parts[2].isascii() and parts[2].isdigit() and len(parts[2]) <= 12:
        return int(parts[2])
    return None


def fix_markup(application_id: int) -> InlineKeyboard:
    """One "fix and resubmit" button."""
    return InlineKeyboard(rows=((InlineButton(Label("my.fix_button"), data=fix_data(application_id)),),))


def show(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """/my: every application of the user with its status and, when it must be fixed, the reviewer's note."""
    items: list[dict[str, Any]] = list(ctx.facts.get("my") or [])
    if not items:
        return FlowResult(state, [Text("my.empty")])
    rows = []
    shown = []
    for item in items:
        fixable = item["status"] in FIXABLE
        shown.append(
            {
                "number": item["number"],
                "occupation": item["occupation"],
                "work_type": item.get("work_type") or "",
                "level": level_label(item["level"]),
                "status": status_label(item["status"]),
                "note": (item.get("note") or "") if fixable else "",
                "fixable": fixable,
                "submitted": item.get("submitted") or "",
            }
        )
        if fixable:
            label = Label("my.fix_button_numbered", {"number": item["number"]})
            rows.append((InlineButton(label, data=fix_data(int(item["id"]))),))
        if item["status"] in withdraw.WITHDRAWABLE:
            rows.append((withdraw.button(item["number"], int(item["id"])),))
    markup = InlineKeyboard(rows=tuple(rows)) if rows else None
    any_fixable = any(item["status"] in FIXABLE for item in items)
    return FlowResult(state, [Text("my.list", {"items": shown, "any_fixable": any_fixable}, markup)])


def fix(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """An `ap:fix:<id>` button: reopen the application in the apply form (or resume that draft)."""
    prefill = ctx.facts.get("fix")
    if not prefill:
        return FlowResult(state, [Text("my.not_fixable")])
    draft = state.forms.get(APPLY_FORM.name)
    if draft is not None:
        if draft.values.get("__resubmit_of") == prefill["values"].get("__resubmit_of"):
            return engine.start(APPLY_FORM, state, ctx)
        drop = InlineKeyboard(rows=((InlineButton(Label("form.delete_draft"), data=nav("drop", APPLY_FORM.name)),),))
        return FlowResult(state, [Text("my.draft_exists", {}, drop)])
    return _reopen(state, ctx, prefill)


def reopen_for_supplement(state: ConversationState, ctx: FlowContext) -> FlowResult | None:
    """/apply with no application draft while an application awaits supplements: reopen that one; else None."""
    prefill = ctx.facts.get("fix")
    if not prefill or APPLY_FORM.name in state.forms:
        return None
    return _reopen(state, ctx, prefill)


def _reopen(state: ConversationState, ctx: FlowContext, prefill: dict[str, Any]) -> FlowResult:
    values = dict(prefill["values"])
    announcements = (ctx.facts.get("apply") or {}).get("announcements") or []
    if str(values.get("announcement")) not in {str(a.get("id")) for a in announcements}:
        return FlowResult(state, [Text("my.announcement_closed", {"number": values.get("__resubmit_number", "")})])
    missing = [s.name for s in APPLY_FORM.applicable(values) if s.name not in values]
    if missing:
        progress = FormProgress(step=missing[0], values=values, history=(SUMMARY,), editing=True)
    else:
        progress = FormProgress(step=SUMMARY, values=values)
    new_state = state.with_progress(APPLY_FORM.name, progress)
    intro = Text(
        "my.fix_intro",
        {"number": values.get("__resubmit_number", ""), "status": status_label(prefill.get("status", "")), "note": prefill.get("note") or ""},
    )
    replies: list[Reply] = [intro, *prompt(APPLY_FORM, progress, ctx)]
    return FlowResult(new_state, replies)
