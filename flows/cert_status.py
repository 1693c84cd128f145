"""Revoking (K5, V4), reissuing (K5) and logically deleting (K4 §15) a registered certificate, opened from its card.

Each asks for a reason (revocation and reissue also for a reason code), shows a summary and needs a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flows import apply_inputs
from flows.cert_card import DELETE, REISSUE, REISSUE_CODES, REVOKE, REVOKE_CODES, open_card_button
from flows.cert_drafts import CERT_KEY, VERSION_KEY, certificate, open_draft, problems
from flows.context import FlowContext
from flows.engine import Choice, FlowResult, Form, InputKind, Step
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

REVOKE_NAME, REISSUE_NAME, DELETE_NAME = "cert_revoke", "cert_reissue", "cert_delete"
CODE, REASON = "code", "reason"
MAX_REASON = 200


@dataclass(frozen=True)
class RevokeCertificate:
    """Effect: the certificate becomes revoked with a reason code and text."""

    certificate_id: int
    version: int
    code: str
    reason: str


@dataclass(frozen=True)
class ReissueCertificate:
    """Effect: one more reissue of a valid certificate (its old QR codes stop verifying)."""

    certificate_id: int
    version: int
    code: str
    reason: str


@dataclass(frozen=True)
class DeleteCertificate:
    """Effect: the certificate is marked deleted (never removed from the store)."""

    certificate_id: int
    version: int
    reason: str


def _codes(codes: tuple[str, ...]) -> Callable[[FlowContext, dict[str, Any]], list[Choice]]:
    return lambda ctx, values: [Choice(c, Label(f"cert_admin.code.{c}")) for c in codes]


def _check(name: str, action: str) -> Callable[[dict[str, Any], FlowContext], list[Text]]:
    return lambda values, ctx: problems(values, ctx, name, action)


def _done(name: str, key: str, values: dict[str, Any], ctx: FlowContext, effect: Any) -> tuple[list[Reply], list[Any]]:
    cert = certificate(ctx, name) or {}
    return [Text(key, {"number": cert.get("number", "")}, open_card_button(int(values[CERT_KEY])))], [effect]


def complete_revoke(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Revoke: status "revoked" with the reason."""
    effect = RevokeCertificate(int(values[CERT_KEY]), int(values[VERSION_KEY]), str(values[CODE]), str(values[REASON]))
    return _done(REVOKE_NAME, "cert_admin.revoke.done", values, ctx, effect)


def complete_reissue(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Reissue: the reissue count goes up, the certificate stays valid."""
    effect = ReissueCertificate(int(values[CERT_KEY]), int(values[VERSION_KEY]), str(values[CODE]), str(values[REASON]))
    return _done(REISSUE_NAME, "cert_admin.reissue.done", values, ctx, effect)


def complete_delete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Logical deletion: status "deleted", the record and its history stay."""
    effect = DeleteCertificate(int(values[CERT_KEY]), int(values[VERSION_KEY]), str(values[REASON]))
    return _done(DELETE_NAME, "cert_admin.delete.done", values, ctx, effect)


REASON_PARSER = apply_inputs.short_text(MAX_REASON)

REVOKE_FORM = Form(
    name=REVOKE_NAME, title="cert_admin.revoke.title", summary="form.summary", complete=complete_revoke,
    check=_check(REVOKE_NAME, REVOKE),
    steps=(
        Step(CODE, "cert_admin.revoke.ask_code", InputKind.CHOICE, choices=_codes(REVOKE_CODES), label="cert_admin.field.code"),
        Step(REASON, "cert_admin.revoke.ask_reason", parse=REASON_PARSER, label="cert_admin.field.reason"),
    ),
)
REISSUE_FORM = Form(
    name=REISSUE_NAME, title="cert_admin.reissue.title", summary="form.summary", complete=complete_reissue,
    check=_check(REISSUE_NAME, REISSUE),
    steps=(
        Step(CODE, "cert_admin.reissue.ask_code", InputKind.CHOICE, choices=_codes(REISSUE_CODES), label="cert_admin.field.code"),
        Step(REASON, "cert_admin.reissue.ask_reason", parse=REASON_PARSER, label="cert_admin.field.reason"),
    ),
)
DELETE_FORM = Form(
    name=DELETE_NAME, title="cert_admin.delete.title", summary="form.summary", complete=complete_delete,
    check=_check(DELETE_NAME, DELETE),
    steps=(Step(REASON, "cert_admin.delete.ask_reason", parse=REASON_PARSER, label="cert_admin.field.reason"),),
)
FORMS = {REVOKE: REVOKE_FORM, REISSUE: REISSUE_FORM, DELETE: DELETE_FORM}
INTROS = {REVOKE: "cert_admin.revoke.intro", REISSUE: "cert_admin.reissue.intro", DELETE: "cert_admin.delete.intro"}


def start(state: ConversationState, ctx: FlowContext, action: str) -> FlowResult:
    """Open the revoke, reissue or delete form for the certificate in that form's facts."""
    return open_draft(FORMS[action], state, ctx, action, INTROS[action])
