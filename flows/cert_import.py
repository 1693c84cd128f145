"""Staff replies of the certificate roster import (check report, import / drop buttons) and of the roster export.

A roster waiting for confirmation is kept as a tiny pseudo-form `cert_import` that is never active: its values hold
the Telegram file_id, the file name and the SHA-256 of the checked content, never the content itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Document, InlineButton, InlineKeyboard, Label, Text
from flows.state import ConversationState, FormProgress

NAME = "cert_import"
PREFIX = "ci"
IMPORT = f"{PREFIX}:ok"
DROP = f"{PREFIX}:no"
STEP = "confirm"
SHOWN = 20  # problems listed in the chat; the command line lists them all


@dataclass(frozen=True)
class ReportView:
    """A roster check for the chat: counts and the first problems as (row, catalogue key, params); row 0 = the file."""

    file: str
    rows: int
    created: int
    unchanged: int
    count: int
    problems: tuple[tuple[int, str, dict[str, Any]], ...] = ()


def pending(state: ConversationState) -> dict[str, Any] | None:
    """The roster upload waiting for confirmation, if any."""
    progress = state.forms.get(NAME)
    return dict(progress.values) if progress is not None and progress.values.get("file_id") else None


def _with_pending(state: ConversationState, upload: dict[str, Any]) -> ConversationState:
    forms = {**state.forms, NAME: FormProgress(step=STEP, values=dict(upload))}
    return replace(state, forms=forms)


def _forget(state: ConversationState) -> ConversationState:
    return replace(state, forms={k: v for k, v in state.forms.items() if k != NAME})


def _counts(view: ReportView) -> dict[str, Any]:
    return {"file": view.file, "rows": view.rows, "created": view.created, "unchanged": view.unchanged}


def _refused(view: ReportView) -> Text:
    listed = [{"row": row, "text": Label(key, params)} for row, key, params in view.problems[:SHOWN]]
    params = {**_counts(view), "count": view.count, "problems": listed, "more": view.count - len(listed)}
    return Text("cert_import.refused", params)


def checked(state: ConversationState, ctx: FlowContext, view: ReportView, upload: dict[str, Any]) -> FlowResult:
    """The dry-run report: problems (nothing offered), nothing new, or the counts with import / drop buttons."""
    if view.count:
        return FlowResult(_forget(state), [_refused(view)])
    if view.created == 0:
        return FlowResult(_forget(state), [Text("cert_import.nothing_new", _counts(view))])
    buttons = InlineKeyboard(((
        InlineButton(Label("cert_import.btn_import"), data=IMPORT),
        InlineButton(Label("cert_import.btn_drop"), data=DROP),
    ),))
    return FlowResult(_with_pending(state, upload), [Text("cert_import.offer", _counts(view), buttons)])


def imported(state: ConversationState, ctx: FlowContext, view: ReportView) -> FlowResult:
    """The roster was imported."""
    return FlowResult(_forget(state), [Text("cert_import.imported", _counts(view))])


def changed(state: ConversationState, ctx: FlowContext, view: ReportView) -> FlowResult:
    """The confirmed roster no longer passes the checks: nothing imported, the new report shown."""
    replies = [Text("cert_import.changed")] + ([_refused(view)] if view.count else [])
    return FlowResult(_forget(state), replies)


def dropped(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """The staff member chose not to import."""
    return FlowResult(_forget(state), [Text("cert_import.dropped")])


def stale(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """No roster is waiting (already imported or dropped, or an unknown button)."""
    return FlowResult(state, [Text("cert_import.stale")])


def no_download(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """The file could not be downloaded (a pending roster stays pending)."""
    return FlowResult(state, [Text("cert_import.no_download")])


def too_large(state: ConversationState, ctx: FlowContext, limit_mb: int) -> FlowResult:
    """The file is beyond what a bot may download."""
    return FlowResult(state, [Text("cert_import.too_large", {"limit": limit_mb})])


def parse_institution(args: str) -> str:
    """The optional institution code of `/export_certificates [CODE]`."""
    return args.strip().split()[0] if args.strip() else ""


def exported(state: ConversationState, ctx: FlowContext, content: bytes, filename: str, rows: int, institution: str) -> FlowResult:
    """The roster workbook; the caption warns that it holds full ID numbers."""
    caption = Label("cert_import.export_caption", {"rows": rows, "institution": institution})
    return FlowResult(state, [Document(content=content, filename=filename, caption=caption)])


def export_empty(state: ConversationState, ctx: FlowContext, institution: str) -> FlowResult:
    """No valid certificate to export."""
    return FlowResult(state, [Text("cert_import.export_empty", {"institution": institution})])


def export_unknown(state: ConversationState, ctx: FlowContext, code: str) -> FlowResult:
    """No institution has this code."""
    return FlowResult(state, [Text("cert_import.export_unknown", {"code": code})])
