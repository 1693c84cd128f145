"""How a form shows itself: step prompts with their keyboards and the summary with edit buttons."""

from __future__ import annotations

from typing import Any

from flows.context import FlowContext
from flows.form_model import CONFIRM, SUMMARY, Form, InputKind, Step, nav
from flows.replies import (
    InlineButton,
    InlineKeyboard,
    Label,
    Markup,
    Reply,
    ReplyButton,
    ReplyKeyboard,
    Text,
)
from flows.state import FormProgress

def nav_row(back: bool) -> tuple[InlineButton, ...]:
    """The back / cancel row under a question."""
    row = []
    if back:
        row.append(InlineButton(Label("form.back"), data=nav("back")))
    row.append(InlineButton(Label("form.cancel"), data=nav("cancel")))
    return tuple(row)


def prompt(form: Form, progress: FormProgress, ctx: FlowContext) -> list[Reply]:
    """The current step's question (or the summary / confirmation) with its keyboard."""
    if progress.step == SUMMARY:
        return [_summary(form, progress, ctx)]
    step = form.confirm if progress.step == CONFIRM and form.confirm else form.step(progress.step)
    back = bool(progress.history)
    params: dict[str, Any] = {}
    prompt: Label = Label(step.prompt)
    if step.name in progress.values:
        shown = _display(step, progress.values[step.name], ctx, progress.values)
        prompt = Label("form.prompt_with_current", {"prompt": Label(step.prompt), "current": shown})
    markup: Markup
    if step.kind is InputKind.CHOICE and step.choices is not None:
        rows = [
            (InlineButton(c.label, data=nav("c", f"{step.name}:{c.value}")),)
            for c in step.choices(ctx, progress.values)
        ]
        markup = InlineKeyboard(rows=tuple(rows) + (nav_row(back),))
    elif step.kind is InputKind.FILES:
        count = len(progress.values.get(step.name) or [])
        done = (InlineButton(Label("form.files_done", {"count": count}), data=nav("done")),)
        markup = InlineKeyboard(rows=(done, nav_row(back)))
    elif step.kind is InputKind.CONTACT:
        rows2: list[tuple[ReplyButton, ...]] = [(ReplyButton(Label("form.share_contact"), request_contact=True),)]
        nav_buttons = [ReplyButton(Label("form.cancel"), data=nav("cancel"))]
        if back:
            nav_buttons.insert(0, ReplyButton(Label("form.back"), data=nav("back")))
        if step.name in progress.values:
            rows2.append((ReplyButton(Label("form.keep_current"), data=nav("keep")),))
        rows2.append(tuple(nav_buttons))
        markup = ReplyKeyboard(rows=tuple(rows2), one_time=False)
    elif step.name in progress.values:
        keep = (InlineButton(Label("form.keep_current"), data=nav("keep")),)
        markup = InlineKeyboard(rows=(keep, nav_row(back)))
    else:
        markup = InlineKeyboard(rows=(nav_row(back),))
    params["prompt"] = prompt
    return [Text("form.prompt", params, markup)]


def _display(step: Step, value: Any, ctx: FlowContext, values: dict[str, Any]) -> Any:
    """How a stored value is shown: the step's formatter, the chosen option's label, or the value itself."""
    if step.show:
        return step.show(value)
    if step.kind is InputKind.CHOICE and step.choices is not None:
        for choice in step.choices(ctx, values):
            if choice.value == value:
                return choice.label
    return value


def _summary(form: Form, progress: FormProgress, ctx: FlowContext) -> Text:
    lines = []
    edits = []
    for s in form.applicable(progress.values):
        if s.name not in progress.values:
            continue
        lines.append({"label": Label(s.label or s.prompt), "value": _display(s, progress.values[s.name], ctx, progress.values)})
        if s.editable:
            edits.append(InlineButton(Label("form.edit_field", {"field": Label(s.label or s.prompt)}), data=nav("e", s.name)))
    per_row = 1 if len(edits) <= 4 else 2  # long forms: two edit buttons a row keep the keyboard short
    edit_rows = tuple(tuple(edits[i : i + per_row]) for i in range(0, len(edits), per_row))
    rows = edit_rows + (
        (InlineButton(Label("form.confirm"), data=nav("ok")),),
        nav_row(back=False),
    )
    return Text(form.summary, {"fields": lines, "title": Label(form.title) if form.title else ""}, InlineKeyboard(rows))
