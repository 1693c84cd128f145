"""Correcting a registered certificate (K4), opened from its card: one field per correction, a reason, summary, confirm.

Name and ID number are never changed in the same correction (K4 §14): the form changes exactly one field (the ID
number together with its type), and the service refuses a correction that touches both. On a K2 number the level
digit and the issue-year digits must agree with the level and issue date (K2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.normalize import nfkc
from bot.pii import mask_id_number
from bot.rules.cert_numbers import parse_k2
from bot.rules.id_types import ID_TYPES, RESIDENT_ID
from bot.rules.identity import IdProblem, parse_id
from flows import apply_inputs
from flows.cert_card import FIX, open_card_button
from flows.cert_drafts import CERT_KEY, VERSION_KEY, certificate, open_draft, problems, today
from flows.context import FlowContext
from flows.engine import Choice, FlowResult, Form, InputKind, Invalid, Step
from flows.events import ButtonPress, Event, TextInput
from flows.profile import parse_name
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

NAME = "cert_fix"
FIELD, REASON = "field", "reason"
HOLDER, ID_TYPE, ID_NUMBER, LEVEL, ISSUE_DATE = "holder_name", "id_type", "id_number", "level", "issue_date"
TEXT_LIMITS = {"work_unit": 128, "occupation": 64, "work_type": 64, "evaluator": 128, "issuer": 128}
FIELDS = (HOLDER, ID_NUMBER, "work_unit", "occupation", "work_type", LEVEL, ISSUE_DATE, "evaluator", "issuer")
NAME_FIELDS, ID_FIELDS = frozenset({HOLDER}), frozenset({ID_TYPE, ID_NUMBER})  # K4 §14: one of the two per correction
LEVELS = (1, 2, 3, 4, 5)
MAX_REASON = 200
EARLIEST_ISSUE_YEAR = 1900


@dataclass(frozen=True)
class CorrectCertificate:
    """Effect: one correction of a certificate's K1 data with the version the staff member saw and the reason."""

    certificate_id: int
    version: int
    changes: dict[str, str]
    reason: str


def touches_both_identities(changes: dict[str, Any]) -> bool:
    """True when a correction would change the holder's name and ID number together (forbidden by K4 §14)."""
    return bool(NAME_FIELDS & set(changes)) and bool(ID_FIELDS & set(changes))


def level_problem(number: str, level: int) -> dict[str, Any] | None:
    """Params of the refusal when a K2 number's level digit names another level; None when they agree."""
    parts = parse_k2(number)
    if parts is None or parts.level == level:
        return None
    return {"number": number, "digit": parts.level, "level": Label(f"level.{parts.level}")}


def year_problem(number: str, issued: date) -> dict[str, Any] | None:
    """Params of the refusal when a K2 number's issue-year digits name another year; None when they agree."""
    parts = parse_k2(number)
    if parts is None or parts.year == f"{issued.year % 100:02d}":
        return None
    return {"number": number, "year": parts.year}


def _cert(ctx: FlowContext) -> dict[str, Any]:
    return certificate(ctx, NAME) or {}


def _changed(value: str, old: Any) -> dict[str, str]:
    if value == ("" if old is None else str(old)):
        raise Invalid("cert_admin.fix.unchanged")
    return {"value": value, "was": "" if old is None else str(old)}


def parse_holder(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
    """The holder's corrected name (normalized like every name the bot takes)."""
    return _changed(parse_name(event, ctx, values), _cert(ctx).get(HOLDER))


def parse_id_number(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
    """The corrected ID number, checked for its type (R5: 居民身份证 region, birth date, MOD 11-2 check)."""
    assert isinstance(event, TextInput)
    id_type = str(values.get(ID_TYPE, RESIDENT_ID))
    try:
        parsed = parse_id(id_type, event.text, today(ctx, NAME))
    except IdProblem as problem:
        raise Invalid(f"apply.id.{problem.code}", **problem.params) from None
    cert = _cert(ctx)
    if parsed.number == cert.get(ID_NUMBER) and id_type == cert.get(ID_TYPE):
        raise Invalid("cert_admin.fix.unchanged")
    return {"value": parsed.number, "was": mask_id_number(cert.get(ID_NUMBER))}


def text_parser(field: str) -> Any:
    """Parser of a free-text K1 field of at most TEXT_LIMITS[field] characters, different from the stored value."""
    limit = TEXT_LIMITS[field]

    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
        assert isinstance(event, TextInput)
        value = re.sub(r"\s+", " ", nfkc(event.text)).strip()
        if not value:
            raise Invalid("hint.expected_text")
        if len(value) > limit:
            raise Invalid("apply.too_long", limit=limit)
        return _changed(value, _cert(ctx).get(field))

    return parse


def parse_level(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
    """The corrected level; refused when the certificate's K2 number encodes another level."""
    assert isinstance(event, ButtonPress)
    cert = _cert(ctx)
    mismatch = level_problem(str(cert.get("number", "")), int(event.data))
    if mismatch is not None:
        raise Invalid("cert_admin.fix.level_mismatch", **mismatch)
    return _changed(event.data, cert.get(LEVEL))


def parse_issue_date(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, str]:
    """The corrected issue date: not in the future, and in the year a K2 number encodes."""
    assert isinstance(event, TextInput)
    issued = apply_inputs.parse_date(event.text)
    if issued > today(ctx, NAME) or issued.year < EARLIEST_ISSUE_YEAR:
        raise Invalid("apply.date_out_of_range")
    cert = _cert(ctx)
    mismatch = year_problem(str(cert.get("number", "")), issued)
    if mismatch is not None:
        raise Invalid("cert_admin.fix.year_mismatch", **mismatch)
    return _changed(issued.isoformat(), cert.get(ISSUE_DATE))


def _show_plain(value: Any) -> Label:
    return Label("cert_admin.fix.change", {"was": value.get("was") or Label("cert_admin.none"), "now": value.get("value")})


def _show_id(value: Any) -> Label:
    return Label("cert_admin.fix.change", {"was": value.get("was") or Label("cert_admin.none"),
                                               "now": mask_id_number(value.get("value"))})


def _show_level(value: Any) -> Label:
    return Label("cert_admin.fix.change", {"was": Label(f"level.{value.get('was')}"), "now": Label(f"level.{value.get('value')}")})


def field_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """The K1 fields a correction can change (the ID number together with its type)."""
    return [Choice(f, Label("cert_admin.fix.choose_id" if f == ID_NUMBER else f"cert_admin.field.{f}")) for f in FIELDS]


def _is(field: str) -> Any:
    return lambda values: values.get(FIELD) == field


FIX_STEPS = (
    Step(FIELD, "cert_admin.fix.ask_field", InputKind.CHOICE, choices=field_choices, label="cert_admin.fix.field_field"),
    Step(HOLDER, "cert_admin.fix.ask_holder_name", parse=parse_holder, when=_is(HOLDER), label="cert_admin.field.holder_name",
         show=_show_plain),
    Step(ID_TYPE, "cert_admin.fix.ask_id_type", InputKind.CHOICE, when=_is(ID_NUMBER), label="cert_admin.field.id_type",
         choices=lambda ctx, v: [Choice(t.code, Label(f"id_type.{t.code}")) for t in ID_TYPES]),
    Step(ID_NUMBER, "cert_admin.fix.ask_id_number", parse=parse_id_number, when=_is(ID_NUMBER), label="cert_admin.field.id_number",
         show=_show_id),
    Step("work_unit", "cert_admin.fix.ask_work_unit", parse=text_parser("work_unit"), when=_is("work_unit"),
         label="cert_admin.field.work_unit", show=_show_plain),
    Step("occupation", "cert_admin.fix.ask_occupation", parse=text_parser("occupation"), when=_is("occupation"),
         label="cert_admin.field.occupation", show=_show_plain),
    Step("work_type", "cert_admin.fix.ask_work_type", parse=text_parser("work_type"), when=_is("work_type"),
         label="cert_admin.field.work_type", show=_show_plain),
    Step(LEVEL, "cert_admin.fix.ask_level", InputKind.CHOICE, parse=parse_level, when=_is(LEVEL), label="cert_admin.field.level",
         choices=lambda ctx, v: [Choice(str(n), Label(f"level.{n}")) for n in LEVELS], show=_show_level),
    Step(ISSUE_DATE, "cert_admin.fix.ask_issue_date", parse=parse_issue_date, when=_is(ISSUE_DATE),
         label="cert_admin.field.issue_date", show=_show_plain),
    Step("evaluator", "cert_admin.fix.ask_evaluator", parse=text_parser("evaluator"), when=_is("evaluator"),
         label="cert_admin.field.evaluator", show=_show_plain),
    Step("issuer", "cert_admin.fix.ask_issuer", parse=text_parser("issuer"), when=_is("issuer"),
         label="cert_admin.field.issuer", show=_show_plain),
    Step(REASON, "cert_admin.fix.ask_reason", parse=apply_inputs.short_text(MAX_REASON), label="cert_admin.field.reason"),
)


def changes_of(values: dict[str, Any]) -> dict[str, str]:
    """The stored fields this correction sets (an ID number always with its type)."""
    field = values.get(FIELD)
    if field == ID_NUMBER:
        return {ID_TYPE: str(values[ID_TYPE]), ID_NUMBER: values[ID_NUMBER]["value"]}
    if field in FIELDS and isinstance(values.get(field), dict):
        return {str(field): values[field]["value"]}
    return {}


def check(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the correction cannot be saved now (role, status, a change made meanwhile, K4 §14, K2 level digit)."""
    found = problems(values, ctx, NAME, FIX)
    if found:
        return found
    changes = changes_of(values)
    if not changes:
        return [Text("cert_admin.fix.unchanged")]
    if touches_both_identities(changes):
        return [Text("cert_admin.refused.one_identity")]
    if LEVEL in changes:
        mismatch = level_problem(str(_cert(ctx).get("number", "")), int(changes[LEVEL]))
        if mismatch is not None:
            return [Text("cert_admin.fix.level_mismatch", mismatch)]
    return []


def complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Save the correction; the service bumps the version and audits masked before/after values."""
    cert = _cert(ctx)
    cert_id = int(values[CERT_KEY])
    effect = CorrectCertificate(cert_id, int(values[VERSION_KEY]), changes_of(values), str(values[REASON]))
    return [Text("cert_admin.fix.done", {"number": cert.get("number", "")}, open_card_button(cert_id))], [effect]


FIX_FORM = Form(name=NAME, title="cert_admin.fix.title", summary="form.summary", steps=FIX_STEPS, complete=complete, check=check)


def start(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Open the correction form for the certificate in the facts (a draft for another certificate is replaced)."""
    return open_draft(FIX_FORM, state, ctx, FIX, "cert_admin.fix.intro")
