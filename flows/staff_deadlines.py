"""Staff deadlines in the chat (DOMAIN P1–P9): `/deadlines [batch]` lists them per batch with done buttons,
`/done <batch> <rule>` (or a `dd:<batch>:<rule>` button) marks one done, `/holidays` takes a holiday-arrangement file.

The holiday file upload is kept as a tiny pseudo-form `holidays` that is never active: step `file` (waiting for the
file, for `FILE_WAIT_MINUTES`) then step `confirm` with the Telegram file_id, its name and the SHA-256 of the checked
content (never the content), like the certificate roster import.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.normalize import nfkc
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import InlineButton, InlineKeyboard, Label, Text
from flows.state import ConversationState, FormProgress

DEADLINES_COMMAND = "deadlines"
DONE_COMMAND = "done"
HOLIDAYS_COMMAND = "holidays"
DONE_PREFIX = "dd"
HOLIDAY_PREFIX = "hd"
HOLIDAY_IMPORT = f"{HOLIDAY_PREFIX}:ok"
HOLIDAY_DROP = f"{HOLIDAY_PREFIX}:no"
HOLIDAY_FORM = "holidays"
WAIT_FILE, CONFIRM = "file", "confirm"
FILE_WAIT_MINUTES = 30
MAX_BUTTONS = 12
MAX_LINES = 40
MAX_ID = 10**12


def _number(raw: str) -> int | None:
    value = nfkc(raw).strip().lstrip("#")
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_batch(args: str) -> int | None | bool:
    """`` → None (every batch), `<batch id>` → the id, anything else → False."""
    text = nfkc(args).strip()
    if not text:
        return None
    return _number(text) or False


def parse_done(args: str) -> tuple[int, str] | None:
    """`<batch id> <rule>` (e.g. `7 P3`; the rule is matched case-insensitively later); None when malformed."""
    parts = nfkc(args).strip().split()
    if len(parts) != 2:
        return None
    batch_id, rule = _number(parts[0]), parts[1]
    if batch_id is None or len(rule) > 16 or not all(c.isascii() and (c.isalnum() or c == "-") for c in rule):
        return None
    return batch_id, rule


def done_data(batch_id: int, rule: str) -> str:
    """Callback data of a done button."""
    return f"{DONE_PREFIX}:{batch_id}:{rule}"


def parse_done_button(data: str) -> tuple[int, str] | None:
    """The batch and rule of a done button; None when malformed."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != DONE_PREFIX:
        return None
    batch_id = _number(parts[1])
    return (batch_id, parts[2]) if batch_id and parts[2] else None


def done_markup(batch_id: int, rule: str) -> InlineKeyboard:
    """The one button of a reminder: mark this deadline done."""
    return InlineKeyboard(((InlineButton(Label("staff_deadlines.btn_done", {"rule": rule}), data=done_data(batch_id, rule)),),))


def listing(state: ConversationState, ctx: FlowContext, groups: list[dict[str, Any]], batch_id: int | None) -> FlowResult:
    """The deadlines per batch (open ones with a done button each), or why there is nothing to show."""
    if not groups:
        key = "staff_deadlines.none_batch" if batch_id is not None else "staff_deadlines.none"
        return FlowResult(state, [Text(key, {"batch_id": batch_id})])
    rows: list[tuple[InlineButton, ...]] = []
    for group in groups:
        for item in group["items"]:
            if not item["done"] and not item["not_before"] and len(rows) < MAX_BUTTONS:
                label = Label("staff_deadlines.btn_done_item", {"batch_id": group["id"], "rule": item["rule"]})
                rows.append((InlineButton(label, data=done_data(group["id"], item["rule"])),))
    markup = InlineKeyboard(tuple(rows)) if rows else None
    return FlowResult(state, [Text("staff_deadlines.list", {"groups": groups}, markup)])


def usage(state: ConversationState, ctx: FlowContext, key: str) -> FlowResult:
    """A usage hint (`staff_deadlines.usage_deadlines` / `usage_done`)."""
    return FlowResult(state, [Text(key)])


def marked(state: ConversationState, ctx: FlowContext, params: dict[str, Any] | None, already: bool, pressed: bool) -> FlowResult:
    """The answer to /done or a done button: marked, done before, or no such deadline."""
    if params is None:
        reply = Text("staff_deadlines.unknown")
    else:
        reply = Text("staff_deadlines.already" if already else "staff_deadlines.marked", params)
    return FlowResult(state, [reply])


# -- holiday file ---------------------------------------------------------------------------------------------------


def _progress(state: ConversationState) -> FormProgress | None:
    return state.forms.get(HOLIDAY_FORM)


def _forget(state: ConversationState) -> ConversationState:
    return replace(state, forms={k: v for k, v in state.forms.items() if k != HOLIDAY_FORM})


def waiting_file(state: ConversationState, now: datetime) -> bool:
    """True when /holidays asked for a file within the last FILE_WAIT_MINUTES and no form is active."""
    progress = _progress(state)
    if state.active is not None or progress is None or progress.step != WAIT_FILE:
        return False
    try:
        asked = datetime.fromisoformat(str(progress.values.get("asked_at")))
    except ValueError:
        return False
    return now - asked <= timedelta(minutes=FILE_WAIT_MINUTES)


def pending_holidays(state: ConversationState) -> dict[str, Any] | None:
    """The checked holiday file waiting for confirmation, if any."""
    progress = _progress(state)
    return dict(progress.values) if progress is not None and progress.step == CONFIRM and progress.values.get("file_id") else None


def ask_holidays(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """/holidays: ask for the file and wait for it."""
    progress = FormProgress(step=WAIT_FILE, values={"asked_at": ctx.now.isoformat()})
    return FlowResult(replace(state, forms={**state.forms, HOLIDAY_FORM: progress}), [Text("staff_deadlines.holidays_ask")])


def holidays_checked(
    state: ConversationState, ctx: FlowContext, lines: list[str], storable: bool, upload: dict[str, Any]
) -> FlowResult:
    """The dry-run report (one line per row, then the summary); import / drop buttons when it can be stored."""
    shown = lines if len(lines) <= MAX_LINES else [*lines[: MAX_LINES - 1], "…", lines[-1]]
    params = {"file": upload.get("file_name", ""), "lines": shown}
    if not storable:
        return FlowResult(_forget(state), [Text("staff_deadlines.holidays_report", params)])
    buttons = InlineKeyboard(((
        InlineButton(Label("staff_deadlines.btn_holidays_import"), data=HOLIDAY_IMPORT),
        InlineButton(Label("staff_deadlines.btn_holidays_drop"), data=HOLIDAY_DROP),
    ),))
    progress = FormProgress(step=CONFIRM, values=dict(upload))
    return FlowResult(replace(state, forms={**state.forms, HOLIDAY_FORM: progress}),
                      [Text("staff_deadlines.holidays_offer", params, buttons)])


def holidays_done(state: ConversationState, ctx: FlowContext, key: str, summary: str = "") -> FlowResult:
    """The end of a holiday import: stored, dropped, changed meanwhile, stale button or failed download."""
    return FlowResult(_forget(state), [Text(f"staff_deadlines.holidays_{key}", {"summary": summary})])
