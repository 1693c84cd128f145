"""An incident as staff and examiners see it, its buttons and the labels of violations, sanctions and articles (V1–V5).

Buttons carry what they act on (`in:<action>:<incident id>[:<version>]`), so the card keeps no conversation state.
Decisions carry the version the presser saw: a second press after someone else decided is refused (V5). Which buttons
a viewer gets (`card["can"]`) is worked out by the service from the viewer's role and part in the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.rules.violations import by_code
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import is_staff
from flows.replies import InlineButton, InlineKeyboard, Label, Photo, Reply, Text, button
from flows.state import ConversationState

PREFIX = "in"
SHOW, PICS, SIGN, APPROVE, REJECT, APPEAL, UPHOLD, OVERTURN = "show", "pics", "sign", "ok", "no", "appeal", "up", "ov"
ACTIONS = (SHOW, PICS, SIGN, APPROVE, REJECT, APPEAL, UPHOLD, OVERTURN)
VERSIONED = (SIGN, APPROVE, REJECT, UPHOLD, OVERTURN)  # decisions: the button names the version it was shown with
NOTE_ACTIONS = (REJECT, UPHOLD, OVERTURN)  # decisions that need a written note
REPORTED, SIGNED, EFFECTIVE, REJECTED, OVERTURNED = "reported", "signed", "effective", "rejected", "overturned"
STATUSES = (REPORTED, SIGNED, EFFECTIVE, REJECTED, OVERTURNED)
PENDING, UPHELD = "pending", "upheld"  # appeal statuses (and OVERTURNED)
APPEAL_STATUSES = (PENDING, UPHELD, OVERTURNED)
MAX_ID = 10**12
LIST_LIMIT = 10
NUMERALS = "一二三四五六七八九十"
_ARTICLE = re.compile(r"^§(\d+)\((.)\)$")
_BUTTON_KEYS = {
    SIGN: "incident.btn_sign", APPROVE: "incident.btn_approve", REJECT: "incident.btn_reject",
    UPHOLD: "incident.btn_uphold", OVERTURN: "incident.btn_overturn", PICS: "incident.btn_photos",
}


@dataclass(frozen=True)
class Action:
    """A parsed button: what to do with which incident, and the version a decision was shown with."""

    kind: str
    incident_id: int
    version: int | None = None


def data(action: str, incident_id: int, version: int | None = None) -> str:
    """Callback data of an incident button (≤ 64 bytes)."""
    return f"{PREFIX}:{action}:{incident_id}" + (f":{version}" if version is not None else "")


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) < MAX_ID else None


def parse(raw: str) -> Action | None:
    """The action a button names; None for anything malformed (a decision without its version too)."""
    parts = raw.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX or parts[1] not in ACTIONS:
        return None
    incident_id = _number(parts[2])
    version = _number(parts[3]) if len(parts) == 4 else None
    if incident_id is None or (len(parts) == 4 and version is None) or ((version is not None) != (parts[1] in VERSIONED)):
        return None
    return Action(parts[1], incident_id, version)


def article_label(code: str) -> Label:
    """The basis of a violation: the guideline, its article and item (e.g. 第六条第（一）项)."""
    violation = by_code(code)
    match = _ARTICLE.match(violation.article) if violation else None
    if match is None:
        return Label(raw=code)
    section, item_cn = int(match.group(1)), match.group(2)
    params = {"section": section, "section_cn": NUMERALS[section - 1], "item": NUMERALS.index(item_cn) + 1, "item_cn": item_cn}
    return Label("incident.article", params)


def violation_label(code: str) -> Label:
    """The guideline's wording of a violation."""
    return Label(f"violation.{code}") if by_code(code) else Label(raw=code)


def reason_label(code: str) -> Label:
    """What kind of conduct a violation is (rule V1, V2 or V3)."""
    violation = by_code(code)
    return Label(f"incident.reason.{violation.rule}") if violation else Label(raw=code)


def sanction_label(sanction: str) -> Label:
    """The sanction's wording."""
    return Label(f"sanction.{sanction}")


def status_label(status: str) -> Any:
    """An incident status as shown."""
    return Label(f"incident.status.{status}") if status in STATUSES else status


def appeal_label(status: str | None) -> Any:
    """An appeal status as shown ("" without an appeal)."""
    return Label(f"incident.appeal_status.{status}") if status in APPEAL_STATUSES else ""


def card_params(card: dict[str, Any]) -> dict[str, Any]:
    """Template parameters of the card (the candidate's name is already masked by the service)."""
    return {
        **{k: card.get(k, "") for k in ("number", "candidate", "ticket", "batch", "date", "time", "site", "room",
                                         "description", "reporter", "reported_at", "signer", "signed_at", "decider",
                                         "decided_at", "note", "appeal_text", "appealed_at", "appeal_note", "until")},
        "status": status_label(card["status"]), "appeal": appeal_label(card.get("appeal_status")),
        "subject": Label(f"subject.{card['subject']}"), "violation": violation_label(card["code"]),
        "article": article_label(card["code"]), "sanction": sanction_label(card["sanction"]),
        "evidence": len(card.get("evidence") or ()),
    }


def card_label(card: dict[str, Any]) -> Label:
    """The whole card as one label (notices embed it)."""
    return Label("incident.card", card_params(card))


def keyboard(card: dict[str, Any]) -> InlineKeyboard | None:
    """The decisions this viewer may take now, then the evidence photos; None when there is nothing to press."""
    can = card.get("can") or ()
    version = int(card["version"])
    rows: list[tuple[InlineButton, ...]] = []
    if SIGN in can:
        rows.append((button(_BUTTON_KEYS[SIGN], data(SIGN, card["id"], version)),))
    for pair in ((APPROVE, REJECT), (UPHOLD, OVERTURN)):
        row = tuple(button(_BUTTON_KEYS[a], data(a, card["id"], version)) for a in pair if a in can)
        if row:
            rows.append(row)
    if PICS in can:
        rows.append((button(_BUTTON_KEYS[PICS], data(PICS, card["id"]), count=len(card.get("evidence") or ())),))
    return InlineKeyboard(tuple(rows)) if rows else None


def card_text(card: dict[str, Any], key: str = "incident.card_message") -> Text:
    """The card as a message with its buttons; `key` wraps it (a notice's heading)."""
    return Text(key, {"card": card_label(card)}, keyboard(card))


def show(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None, notice: Text | None = None) -> FlowResult:
    """The card (after an optional notice), or "not found" for a case the viewer may not see."""
    replies: list[Reply] = [notice] if notice else []
    replies.append(card_text(card) if card is not None else Text("incident.not_found"))
    return FlowResult(state, replies)


def listing(state: ConversationState, ctx: FlowContext, cards: list[dict[str, Any]]) -> FlowResult:
    """/incidents: open cases (awaiting a signature, the room head or an appeal decision), one message each."""
    if not is_staff(ctx.role):
        return FlowResult(state, [Text("incident.list_not_allowed")])
    if not cards:
        return FlowResult(state, [Text("incident.none_open")])
    replies: list[Reply] = [Text("incident.list_head", {"count": len(cards), "limit": LIST_LIMIT})]
    replies += [card_text(c) for c in cards[:LIST_LIMIT]]
    return FlowResult(state, replies)


def photos(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None) -> FlowResult:
    """The evidence photos of a case, each captioned with the case number."""
    if card is None or PICS not in (card.get("can") or ()):
        return FlowResult(state, [Text("incident.not_found")])
    total = len(card["evidence"])
    return FlowResult(state, [
        Photo(file_id=file_id, caption=Label("incident.photo_caption", {"number": card["number"], "n": i, "total": total}))
        for i, file_id in enumerate(card["evidence"], start=1)
    ])


def refuse(state: ConversationState, ctx: FlowContext, text: Text) -> FlowResult:
    """A button or decision refused with the reason."""
    return FlowResult(state, [text])
