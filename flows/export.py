"""Staff replies of the roster export: usage, unknown announcement, nothing to export, the workbook."""

from __future__ import annotations

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Document, Label, Text
from flows.state import ConversationState


def parse_announcement(args: str) -> int | None:
    """The announcement id of `/export_applications <id>`, else None."""
    raw = args.strip().lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to use /export_applications."""
    return FlowResult(state, [Text("export.usage")])


def not_found(state: ConversationState, ctx: FlowContext, announcement_id: int) -> FlowResult:
    """No such announcement."""
    return FlowResult(state, [Text("export.not_found", {"id": announcement_id})])


def empty(state: ConversationState, ctx: FlowContext, announcement_id: int, title: str) -> FlowResult:
    """The announcement has no applications yet."""
    return FlowResult(state, [Text("export.empty", {"id": announcement_id, "title": title})])


def sent(state: ConversationState, ctx: FlowContext, content: bytes, filename: str, rows: int, title: str) -> FlowResult:
    """The workbook as a document; the caption says it holds full ID numbers and phones (the official roster)."""
    caption = Label("export.caption", {"rows": rows, "title": title})
    return FlowResult(state, [Document(content=content, filename=filename, caption=caption)])


EXPORT_COMMAND = "export"
APPLICATIONS, TICKETS, SCORES = "applications", "tickets", "scores"
EXPORT_KINDS = (APPLICATIONS, TICKETS, SCORES)


def parse_export(args: str) -> tuple[str, int] | None:
    """`/export applications|tickets|scores <id>` → (what, id); None when malformed (the menu is shown)."""
    parts = args.strip().lower().split()
    if len(parts) != 2 or parts[0] not in EXPORT_KINDS:
        return None
    ident = parse_announcement(parts[1])
    return (parts[0], ident) if ident else None


def menu(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """What /export can produce and how to ask for it."""
    return FlowResult(state, [Text("batch_export.menu")])


def batch_not_found(state: ConversationState, ctx: FlowContext, batch_id: int) -> FlowResult:
    """No batch with that id."""
    return FlowResult(state, [Text("batch_export.not_found", {"id": batch_id})])


def batch_sent(state: ConversationState, ctx: FlowContext, kind: str, content: bytes, filename: str, rows: int, title: str) -> FlowResult:
    """A batch workbook as a document (ID numbers masked)."""
    caption = Label(f"batch_export.caption_{kind}", {"rows": rows, "title": title})
    return FlowResult(state, [Document(content=content, filename=filename, caption=caption)])
