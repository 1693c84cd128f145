"""Declarative step-by-step forms with back, edit-a-field, keep, cancel (keeping the draft) and resume."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flows.context import FlowContext
from flows.events import ButtonPress, ContactShared, Event, FileInput, TextInput, event_kind
from flows.form_model import (
    CONFIRM,
    NAV,
    SUMMARY,
    Choice,
    FlowResult,
    Form,
    META,
    InputKind,
    Invalid,
    Step,
    nav,
)
from flows.form_render import prompt as _prompt
from flows.replies import InlineButton, InlineKeyboard, Label, RemoveKeyboard, Reply, Text
from flows.state import ConversationState, FormProgress

__all__ = ["CONFIRM", "META", "NAV", "SUMMARY", "Choice", "FlowResult", "Form", "InputKind", "Invalid", "Step", "nav"]
__all__ += ["cancel", "drop_draft", "handle", "start"]


def start(form: Form, state: ConversationState, ctx: FlowContext, prefill: dict[str, Any] | None = None) -> FlowResult:
    """Open a form: resume its saved draft if there is one, else ask the first step."""
    existing = state.forms.get(form.name)
    if existing is not None:
        new_state = state.with_progress(form.name, existing)
        return FlowResult(new_state, [Text("form.resumed")] + _prompt(form, existing, ctx))
    values = dict(prefill or {})
    first = form.next_step(None, values) or SUMMARY
    progress = FormProgress(step=first, values=values)
    return FlowResult(state.with_progress(form.name, progress), _prompt(form, progress, ctx))


def cancel(form: Form, state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Leave the form but keep the draft; offer to delete it."""
    markup = InlineKeyboard(rows=((InlineButton(Label("form.delete_draft"), data=nav("drop", form.name)),),))
    replies: list[Reply] = [Text("form.cancelled_kept", {"title": Label(form.title)}, RemoveKeyboard())]
    replies.append(Text("form.delete_draft_offer", {}, markup))
    return FlowResult(state.deactivated(), replies)


def drop_draft(form_name: str, state: ConversationState) -> FlowResult:
    """Delete a saved draft after the user confirmed it."""
    if form_name not in state.forms:
        return FlowResult(state, [Text("form.no_draft")])
    return FlowResult(state.without_form(form_name), [Text("form.draft_deleted")])


def _is_contact(form: Form, step_name: str) -> bool:
    """True when the named step asks for a contact (shows a reply keyboard)."""
    if step_name in (SUMMARY, CONFIRM):
        return False
    return form.step(step_name).kind is InputKind.CONTACT


def _goto(form: Form, state: ConversationState, progress: FormProgress, ctx: FlowContext, left_contact: bool) -> FlowResult:
    replies: list[Reply] = []
    if left_contact and not _is_contact(form, progress.step):
        replies.append(Text("form.keyboard_closed", {}, RemoveKeyboard()))
    replies.extend(_prompt(form, progress, ctx))
    return FlowResult(state.with_progress(form.name, progress), replies)


def _advance(form: Form, state: ConversationState, progress: FormProgress, value: Any, ctx: FlowContext) -> FlowResult:
    values = dict(progress.values)
    values[progress.step] = value
    left_contact = _is_contact(form, progress.step)
    # Drop answers to steps that no longer apply after this change.
    applicable = {s.name for s in form.applicable(values)}
    values = {k: v for k, v in values.items() if k in applicable or k.startswith(META)}
    if progress.editing:
        missing = [s.name for s in form.applicable(values) if s.name not in values]
        nxt = missing[0] if missing else SUMMARY
        history = progress.history + (progress.step,)
        new = FormProgress(step=nxt, values=values, history=history, editing=nxt != SUMMARY)
    else:
        nxt = form.next_step(progress.step, values) or SUMMARY
        new = FormProgress(step=nxt, values=values, history=progress.history + (progress.step,))
    return _goto(form, state, new, ctx, left_contact=left_contact)


def _back(form: Form, state: ConversationState, progress: FormProgress, ctx: FlowContext) -> FlowResult:
    if not progress.history:
        return FlowResult(state, [Text("form.at_first_step")] + _prompt(form, progress, ctx))
    previous = progress.history[-1]
    left_contact = _is_contact(form, progress.step)
    new = replace(progress, step=previous, history=progress.history[:-1])
    return _goto(form, state, new, ctx, left_contact=left_contact)


def handle(form: Form, state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """Apply one event to the active form; invalid input never loses what was entered."""
    progress = state.forms[form.name]
    if isinstance(event, ButtonPress) and event.data.startswith(NAV + ":"):
        return _handle_nav(form, state, progress, event.data, ctx)
    if progress.step in (SUMMARY, CONFIRM):
        return FlowResult(state, [Text("form.use_buttons")] + _prompt(form, progress, ctx))
    step = form.step(progress.step)
    if isinstance(event, ButtonPress):  # choices arrive as fm:c:… presses; anything else is a foreign button
        return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
    expected = _expects(step)
    kind = event_kind(event)
    if kind not in expected:
        return FlowResult(state, [Text(f"hint.expected_{expected[0]}")] + _prompt(form, progress, ctx))
    try:
        value = step.parse(event, ctx, progress.values) if step.parse else _default_parse(event)
    except Invalid as bad:
        return FlowResult(state, [Text(bad.key, bad.params)] + _prompt(form, progress, ctx))
    if step.kind is InputKind.FILES:
        return _collect(form, state, progress, step, value)
    return _advance(form, state, progress, value, ctx)


def _collect(form: Form, state: ConversationState, progress: FormProgress, step: Step, item: Any) -> FlowResult:
    """Add one file to a multi-file step; the user finishes with the done button."""
    items = list(progress.values.get(step.name) or [])
    if len(items) >= step.max_items:
        noted = f"_{step.name}_limit_noted"
        if progress.values.get(noted):
            return FlowResult(state)  # an album of 100 photos gets one notice, not 90
        values = {**progress.values, noted: True}
        notice = Text("form.files_limit", {"max": step.max_items})
        return FlowResult(state.with_progress(form.name, replace(progress, values=values)), [notice])
    known = {i.get("file_unique_id") for i in items if isinstance(i, dict)}
    if isinstance(item, dict) and item.get("file_unique_id") in known:
        return FlowResult(state, [Text("form.file_duplicate")])
    items.append(item)
    values = dict(progress.values)
    values[step.name] = items
    done = (InlineButton(Label("form.files_done", {"count": len(items)}), data=nav("done")),)
    reply = Text("form.file_received", {"count": len(items), "max": step.max_items}, InlineKeyboard(rows=(done,)))
    return FlowResult(state.with_progress(form.name, replace(progress, values=values)), [reply])


def _expects(step: Step) -> tuple[str, ...]:
    if step.kind is InputKind.CHOICE:
        return ("button",)
    if step.kind is InputKind.CONTACT:
        return ("contact", "text")
    if step.kind in (InputKind.FILE, InputKind.FILES):
        return ("photo", "document")
    return ("text",)


def _default_parse(event: Event) -> Any:
    if isinstance(event, TextInput):
        value = event.text.strip()
        if not value:
            raise Invalid("hint.expected_text")
        return value
    if isinstance(event, ContactShared):
        return event.phone
    if isinstance(event, FileInput):
        return {"file_id": event.file_id, "file_unique_id": event.file_unique_id, "kind": event.kind}
    raise Invalid("hint.expected_text")


def _handle_nav(form: Form, state: ConversationState, progress: FormProgress, data: str, ctx: FlowContext) -> FlowResult:
    parts = data.split(":", 2)
    action = parts[1] if len(parts) > 1 else ""
    arg = parts[2] if len(parts) > 2 else ""
    if action == "back":
        return _back(form, state, progress, ctx)
    if action == "cancel":
        return cancel(form, state, ctx)
    if action == "drop":
        return drop_draft(arg, state)
    if action == "ok" and progress.step == SUMMARY:
        problems = form.check(progress.values, ctx) if form.check else []
        if problems:
            return FlowResult(state, problems + _prompt(form, progress, ctx))
        if form.confirm is not None:
            new = FormProgress(step=CONFIRM, values=progress.values, history=progress.history + (SUMMARY,))
            return _goto(form, state, new, ctx, left_contact=False)
        replies, effects = form.complete(progress.values, ctx)
        return FlowResult(state.without_form(form.name), replies, effects)
    if action == "c" and progress.step == CONFIRM and form.confirm is not None:
        step_name, _, value = arg.partition(":")
        if step_name != form.confirm.name:
            return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
        problems = form.check(progress.values, ctx) if form.check else []
        if problems:
            back = replace(progress, step=SUMMARY, history=progress.history[:-1])
            return FlowResult(state.with_progress(form.name, back), problems + _prompt(form, back, ctx))
        replies, effects = form.complete({**progress.values, form.confirm.name: value}, ctx)
        return FlowResult(state.without_form(form.name), replies, effects)
    if action == "keep" and progress.step not in (SUMMARY, CONFIRM) and progress.step in progress.values:
        return _advance(form, state, progress, progress.values[progress.step], ctx)
    if action == "done" and progress.step not in (SUMMARY, CONFIRM):
        step = form.step(progress.step)
        if step.kind is not InputKind.FILES:
            return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
        if not progress.values.get(step.name) and not step.optional:
            return FlowResult(state, [Text("form.files_needed")] + _prompt(form, progress, ctx))
        return _advance(form, state, progress, list(progress.values.get(step.name) or []), ctx)
    if action == "e" and progress.step in (SUMMARY, CONFIRM):
        try:
            target = form.step(arg)
        except KeyError:
            return FlowResult(state, [Text("hint.stale_button")])
        if not target.editable:
            return FlowResult(state, [Text("hint.stale_button")])
        new = FormProgress(step=target.name, values=progress.values, history=progress.history + (SUMMARY,), editing=True)
        return _goto(form, state, new, ctx, left_contact=False)
    if action == "c" and progress.step != SUMMARY:
        step_name, _, value = arg.partition(":")
        step = form.step(progress.step)
        if step_name != step.name or step.kind is not InputKind.CHOICE:
            return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
        options = {c.value for c in (step.choices(ctx, progress.values) if step.choices else [])}
        if value not in options:
            return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
        try:
            parsed = step.parse(ButtonPress(value), ctx, progress.values) if step.parse else value
        except Invalid as bad:
            return FlowResult(state, [Text(bad.key, bad.params)] + _prompt(form, progress, ctx))
        return _advance(form, state, progress, parsed, ctx)
    return FlowResult(state, [Text("hint.stale_button")] + _prompt(form, progress, ctx))
