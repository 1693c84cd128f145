"""The registry card of one certificate (/certificate NUMBER): K1 fields, status, history and the staff actions.

Buttons carry everything they need (`ca:<action>:<certificate id>`), so the card keeps no conversation state.
A deleted certificate offers nothing but its history (K4 §15); a revoked one cannot be reissued (K5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.rules.id_types import by_code
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import is_staff
from flows.replies import InlineButton, InlineKeyboard, Label, Reply, Text, button
from flows.state import ConversationState

PREFIX = "ca"
SHOW, HISTORY, FIX, REVOKE, REISSUE, DELETE = "show", "hist", "fix", "revoke", "reissue", "delete"
ACTIONS = (SHOW, HISTORY, FIX, REVOKE, REISSUE, DELETE)
VALID, REVOKED, DELETED = "valid", "revoked", "deleted"
MAX_ID = 10**15

# Which changes each status still allows (K4 §15: a deleted record is only looked at; K5: no reissue once revoked).
ALLOWED: dict[str, tuple[str, ...]] = {
    VALID: (FIX, REVOKE, REISSUE, DELETE),
    REVOKED: (FIX, DELETE),
    DELETED: (),
}
# Audit keys and values shown with a label; anything else (e.g. another feature's audit rows) is shown as stored.
FIELDS = (
    "number", "holder_name", "id_type", "id_number", "work_unit", "occupation", "work_type", "level", "issue_date",
    "evaluator", "issuer", "status", "status_reason", "code", "reason", "reissue_count", "version", "source", "batch_id",
    "result",
)
HISTORY_ACTIONS = ("register", "correct", "revoke", "reissue", "delete", "verify_certificate")
STATUSES = (VALID, REVOKED, DELETED)
SOURCES = ("import", "batch")
# K5 (000 §22, 002 §21): fraud, alteration, transfer; V4 (003 附件2 §8): a violation found after the event voids it.
REVOKE_CODES = ("fraud", "alteration", "transfer", "violation", "other")
REISSUE_CODES = ("lost", "damaged")  # K5 (000 §15, 002 §20): reissued by the original body after loss or damage
REASON_CODES = REVOKE_CODES + REISSUE_CODES


@dataclass(frozen=True)
class Action:
    """A parsed card button: what to do with which certificate."""

    kind: str
    certificate_id: int


def data(action: str, certificate_id: int) -> str:
    """Callback data of a card button."""
    return f"{PREFIX}:{action}:{certificate_id}"


def parse(raw: str) -> Action | None:
    """The action a button names; None for anything malformed."""
    parts = raw.split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in ACTIONS:
        return None
    if not (parts[2].isascii() and parts[2].isdigit() and int(parts[2]) < MAX_ID):
        return None
    return Action(parts[1], int(parts[2]))


def allows(status: str, action: str) -> bool:
    """True when a certificate in `status` may still get `action`."""
    return action in ALLOWED.get(status, ())


def field_label(key: str) -> Label:
    """How an audit or card key is named."""
    return Label(f"cert_admin.field.{key}") if key in FIELDS else Label(raw=key)


def _value(key: str, value: Any) -> Any:
    """A stored value as shown: statuses and reason codes localized, the rest as text."""
    if value is None or value == "":
        return Label("cert_admin.none")
    if key == "status" and value in STATUSES:
        return Label(f"cert_admin.status.{value}")
    if key == "code" and value in REASON_CODES:
        return Label(f"cert_admin.code.{value}")
    if key == "level" and str(value) in ("1", "2", "3", "4", "5"):
        return Label(f"level.{value}")
    if key == "status_reason":
        return reason_label(str(value))
    if key == "id_type" and by_code(str(value)) is not None:
        return Label(f"id_type.{value}")
    return str(value)


def reason_label(reason: str) -> Any:
    """A status reason as shown: a revocation's `code: text` with the code localized."""
    code, sep, text = reason.partition(": ")
    if sep and code in REASON_CODES:
        return Label("cert_admin.coded_reason", {"code": Label(f"cert_admin.code.{code}"), "text": text})
    return reason


def _changes(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One audit row's masked before/after values as field lines."""
    before, after = row.get("before") or {}, row.get("after") or {}
    keys = list(before) + [k for k in after if k not in before]
    return [{"field": field_label(k), "before": _value(k, before.get(k)) if k in before else None,
             "after": _value(k, after.get(k))} for k in keys]


def history_lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows (already masked) as lines: when, who, what, before → after."""
    return [{
        "at": r["at"], "actor": r["actor"] if r.get("actor") is not None else Label("cert_admin.system"),
        "action": Label(f"cert_admin.action.{r['action']}") if r["action"] in HISTORY_ACTIONS else Label(raw=r["action"]),
        "changes": _changes(r),
    } for r in rows]


def status_line(card: dict[str, Any]) -> Label:
    """The status with its reason (a revocation's reason code localized)."""
    reason = reason_label(card.get("status_reason") or "")
    return Label("cert_admin.status_line", {"status": Label(f"cert_admin.status.{card['status']}"), "reason": reason})


def card_params(card: dict[str, Any]) -> dict[str, Any]:
    """Template parameters of the card (the ID number is already masked by the service)."""
    return {
        **card,
        "id_type": Label(f"id_type.{card['id_type']}"),
        "level": Label(f"level.{card['level']}"),
        "status": status_line(card),
        "source": Label(f"cert_admin.source.{card['source']}") if card["source"] in SOURCES else card["source"],
        "work_unit": card["work_unit"] or Label("cert_admin.none"),
        "work_type": card["work_type"] or Label("cert_admin.none"),
        "evaluator": card["evaluator"] or Label("cert_admin.none"),
        "history": history_lines(card.get("history") or []),
        "link": card.get("link") or "",
    }


def card_keyboard(card: dict[str, Any]) -> InlineKeyboard:
    """The actions the certificate's status still allows, then the full history."""
    cert_id = card["id"]
    allowed = ALLOWED.get(card["status"], ())
    keys = {FIX: "cert_admin.btn_fix", REVOKE: "cert_admin.btn_revoke", REISSUE: "cert_admin.btn_reissue",
            DELETE: "cert_admin.btn_delete"}
    actions = [button(keys[a], data(a, cert_id)) for a in (FIX, REVOKE, REISSUE, DELETE) if a in allowed]
    rows: list[tuple[InlineButton, ...]] = [tuple(actions[i : i + 2]) for i in range(0, len(actions), 2)]
    rows.append((button("cert_admin.btn_history", data(HISTORY, cert_id)),))
    return InlineKeyboard(tuple(rows))


def show(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None, notice: Text | None = None) -> FlowResult:
    """The card (after an optional notice), or "no such certificate"."""
    if not is_staff(ctx.role):
        return FlowResult(state, [Text("cert_admin.not_allowed")])
    if card is None:
        return FlowResult(state, [Text("cert_admin.not_found")])
    replies: list[Reply] = [notice] if notice else []
    replies.append(Text("cert_admin.card", card_params(card), card_keyboard(card)))
    return FlowResult(state, replies)


def history(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None) -> FlowResult:
    """The longer history of one certificate, newest first, with a way back to the card."""
    if not is_staff(ctx.role):
        return FlowResult(state, [Text("cert_admin.not_allowed")])
    if card is None:
        return FlowResult(state, [Text("cert_admin.not_found")])
    back = InlineKeyboard(((button("cert_admin.btn_card", data(SHOW, card["id"])),),))
    params = {"number": card["number"], "history": history_lines(card.get("history") or [])}
    return FlowResult(state, [Text("cert_admin.history", params, back)])


def usage(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """/certificate without a number."""
    return FlowResult(state, [Text("cert_admin.usage")])


def refuse(state: ConversationState, ctx: FlowContext, key: str, **params: Any) -> FlowResult:
    """A card action refused with a reason."""
    return FlowResult(state, [Text(key, params)])


def open_card_button(certificate_id: int) -> InlineKeyboard:
    """A single "open the card" button (after a change was saved)."""
    return InlineKeyboard(((button("cert_admin.btn_card", data(SHOW, certificate_id)),),))
