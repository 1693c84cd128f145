"""Staff replies of /publish (results publicity, P5)."""

from __future__ import annotations

from datetime import date

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Text
from flows.state import ConversationState


def usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """How to call /publish."""
    return FlowResult(state, [Text("scores.publish_usage")])


def outcome(state: ConversationState, ctx: FlowContext, status: str, batch_id: int, name: str, start: date | None,
            end: date | None, notified: int, passed: int, missing: int) -> FlowResult:
    """The publication (ok), or why nothing was published (no_batch, already, incomplete, no_tickets)."""
    params = {"id": batch_id, "batch": name, "start": start.isoformat() if start else "",
              "end": end.isoformat() if end else "", "notified": notified, "passed": passed, "missing": missing}
    return FlowResult(state, [Text(f"scores.publish_{status}", params)])
