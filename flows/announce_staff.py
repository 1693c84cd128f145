"""Staff replies: the list of open announcements and closing one by id."""

from __future__ import annotations

from typing import Any

from flows.announce_effects import CloseAnnouncement
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Label, Text
from flows.state import ConversationState


def listing(state: ConversationState, ctx: FlowContext, rows: list[dict[str, Any]]) -> FlowResult:
    """Open announcements: id, title, occupation, levels and registration window."""
    if not rows:
        return FlowResult(state, [Text("announce.list_empty")])
    items = [{**row, "levels": [Label(f"level.{n}") for n in row["levels"]]} for row in rows]
    return FlowResult(state, [Text("announce.list", {"items": items})])


def close_usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to use /close_announcement."""
    return FlowResult(state, [Text("announce.close_usage")])


def close(state: ConversationState, ctx: FlowContext, announcement_id: int, row: dict[str, Any] | None) -> FlowResult:
    """Close an open announcement (the service audits it), or say why not."""
    if row is None:
        return FlowResult(state, [Text("announce.close_not_found", {"id": announcement_id})])
    if row["status"] != "open":
        return FlowResult(state, [Text("announce.close_not_open", {"id": announcement_id, "title": row["title"]})])
    reply = Text("announce.closed", {"id": announcement_id, "title": row["title"]})
    return FlowResult(state, [reply], [CloseAnnouncement(announcement_id)])
