"""What the certificate change forms share: META keys naming the certificate and the version seen, facts, checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows import engine
from flows.cert_card import allows
from flows.context import FlowContext
from flows.engine import META, FlowResult, Form
from flows.menu import is_staff
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

CERT_KEY = META + "certificate"
VERSION_KEY = META + "version"  # the certificate's version when the form opened: a change made meanwhile is refused
ACTION_NAMES = {"fix": "correct", "revoke": "revoke", "reissue": "reissue", "delete": "delete"}


def certificate(ctx: FlowContext, form_name: str) -> dict[str, Any] | None:
    """The certificate the service loaded for this form, if it still exists."""
    return (ctx.facts.get(form_name) or {}).get("certificate")


def today(ctx: FlowContext, form_name: str) -> date:
    """Today's local date as the service saw it (falls back to the context's clock)."""
    raw = (ctx.facts.get(form_name) or {}).get("today")
    return date.fromisoformat(raw) if raw else ctx.now.date()


def _status_refusal(cert: dict[str, Any], action: str) -> Text:
    action_label = Label(f"cert_admin.action.{ACTION_NAMES[action]}")
    return Text("cert_admin.refused.status", {"status": Label(f"cert_admin.status.{cert['status']}"), "action": action_label})


def problems(values: dict[str, Any], ctx: FlowContext, form_name: str, action: str) -> list[Text]:
    """Why the change cannot be saved now: role, certificate gone, status, or changed since the form opened."""
    if not is_staff(ctx.role):
        return [Text("cert_admin.not_allowed")]
    cert = certificate(ctx, form_name)
    if cert is None or cert["id"] != values.get(CERT_KEY):
        return [Text("cert_admin.not_found")]
    if not allows(cert["status"], action):
        return [_status_refusal(cert, action)]
    if cert["version"] != values.get(VERSION_KEY):
        return [Text("cert_admin.refused.changed", {"number": cert["number"]})]
    return []


def open_draft(form: Form, state: ConversationState, ctx: FlowContext, action: str, intro: str) -> FlowResult:
    """Open `form` for the certificate in the facts; a draft for another certificate or an older version is replaced."""
    if not is_staff(ctx.role):
        return FlowResult(state, [Text("cert_admin.not_allowed")])
    cert = certificate(ctx, form.name)
    if cert is None:
        return FlowResult(state, [Text("cert_admin.not_found")])
    if not allows(cert["status"], action):
        return FlowResult(state, [_status_refusal(cert, action)])
    meta = {CERT_KEY: cert["id"], VERSION_KEY: cert["version"]}
    draft = state.forms.get(form.name)
    if draft is not None and any(draft.values.get(k) != v for k, v in meta.items()):
        state = state.without_form(form.name)
    result = engine.start(form, state, ctx, meta)
    replies: list[Reply] = [Text(intro, {"number": cert["number"], "holder": cert["holder_name"]})]
    return FlowResult(result.state, replies + result.replies, result.effects)
