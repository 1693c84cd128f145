"""Replies about admission tickets: the candidate's own (/ticket) and what a scanned ticket QR shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import EXAM_ROLES, STAFF_ROLES
from flows.replies import Document, Label, Photo, Reply, Text
from flows.state import ConversationState


@dataclass(frozen=True)
class RenderedTicket:
    """One ticket rendered for sending: number, PNG and PDF bytes."""

    number: str
    png: bytes
    pdf: bytes


def may_inspect(role: str) -> bool:
    """Examiners and staff see the identity-check details of a scanned ticket; everyone else only validity."""
    return role in EXAM_ROLES or role in STAFF_ROLES


def own(state: ConversationState, ctx: FlowContext, tickets: list[RenderedTicket]) -> FlowResult:
    """Each issued ticket as a picture (for the phone) and an A4 PDF (for printing); or why there is none."""
    if not tickets:
        return FlowResult(state, [Text("ticket.none")])
    replies: list[Reply] = []
    for t in tickets:
        caption = Label("ticket.caption", {"number": t.number})
        replies.append(Photo(content=t.png, filename=f"ticket-{t.number}.png", caption=caption))
        replies.append(Document(content=t.pdf, filename=f"ticket-{t.number}.pdf", caption=Label("ticket.caption_pdf", {"number": t.number})))
    return FlowResult(state, replies)


def scanned(state: ConversationState, ctx: FlowContext, facts: dict[str, Any]) -> FlowResult:
    """A scanned ticket: invalid; valid (for candidates and strangers); or photo and details for the identity check."""
    if not facts.get("valid"):
        return FlowResult(state, [Text("ticket.invalid")])
    if "number" not in facts:
        return FlowResult(state, [Text("ticket.valid")])
    params = {k: v for k, v in facts.items() if k not in ("valid", "photo")}
    if facts.get("photo"):
        return FlowResult(state, [Photo(file_id=facts["photo"], caption=Label("ticket.scan", params))])
    return FlowResult(state, [Text("ticket.scan", params), Text("ticket.no_photo")])
