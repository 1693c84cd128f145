"""The certificate query (/cert, DOMAIN K3) as a small conversation, and what a scanned certificate QR shows.

A query needs two of certificate number, holder name and ID number. `/cert A B` answers at once; `/cert` asks for the
values one by one, saying what it recognized. The conversation is stored under the name `cert` (`state.active`).

The service looks certificates up before a step runs: `pair_for(state, event)` tells it which pair the step will
complete, and it puts `{"limited_until": str | None, "lookup": {"pair", "outcome", "certificates"} | None}` into
`ctx.facts["cert"]`. A pair completed without a lookup for it (typed input reaches the flow through the generic
input path) is kept and answered through the "search" button, whose service does the lookup.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.rules.cert_query import (
    NO_MATCH,
    DELETED,
    QueryPair,
    QueryValue,
    SameKind,
    Unrecognized,
    make_pair,
    parse_values,
)
from bot.rules.id_types import by_code
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, Event, TextInput
from flows.replies import InlineButton, InlineKeyboard, Label, Text
from flows.state import ConversationState, FormProgress

NAME = "cert"
FACTS = "cert"
PREFIX = "cq"
GO = f"{PREFIX}:go"  # look up the pair entered
NEW = f"{PREFIX}:new"  # start another query
ASK, READY = "ask", "ready"
REVOKED = "revoked"
LEVELS = range(1, 6)


def _value(raw: Any) -> QueryValue | None:
    if isinstance(raw, (list, tuple)) and len(raw) == 2 and all(isinstance(x, str) for x in raw):
        return QueryValue(raw[0], raw[1])
    return None


def _stored(state: ConversationState) -> tuple[str, list[QueryValue]]:
    """The step of the active query and the values entered so far."""
    progress = state.forms.get(NAME)
    if state.active != NAME or progress is None:
        return "", []
    values = [_value(progress.values.get(k)) for k in ("first", "second")]
    return progress.step, [v for v in values if v is not None]


def pair_for(state: ConversationState, event: Event) -> QueryPair | None:
    """The pair a step will complete for this event (so the service can look it up first), or None."""
    if isinstance(event, Command):
        parsed = parse_values(event.args) if event.name == NAME else ()
        return make_pair(*parsed) if isinstance(parsed, tuple) and len(parsed) == 2 else None
    step, values = _stored(state)
    if isinstance(event, ButtonPress):
        return make_pair(*values) if event.data == GO and step == READY and len(values) == 2 else None
    if not isinstance(event, TextInput) or not step:
        return None
    parsed = parse_values(event.text)
    if not isinstance(parsed, tuple) or not parsed:
        return None
    if len(parsed) == 2:
        return make_pair(*parsed)
    return make_pair(values[0], parsed[0]) if step == ASK and len(values) == 1 else None


def _facts(ctx: FlowContext) -> dict[str, Any]:
    return ctx.facts.get(FACTS) or {}


def _kind(kind: str) -> Label:
    return Label(f"cert.kind.{kind}")


def _others(kind: str) -> Label:
    return Label(f"cert.others.{kind}")


def _again() -> InlineKeyboard:
    return InlineKeyboard(((InlineButton(Label("cert.btn_again"), data=NEW),),))


def _limited(state: ConversationState, until: str) -> FlowResult:
    return FlowResult(state.without_form(NAME), [Text("cert.limited", {"time": until})])


def _asking(state: ConversationState) -> FlowResult:
    """Wait for the first value."""
    return FlowResult(state.with_progress(NAME, FormProgress(step=ASK)), [Text("cert.ask_first")])


def _got(state: ConversationState, value: QueryValue) -> FlowResult:
    """One value recognized: keep it and ask for one of the two other kinds."""
    progress = FormProgress(step=ASK, values={"first": [value.kind, value.value]})
    reply = Text("cert.got", {"kind": _kind(value.kind), "others": _others(value.kind)})
    return FlowResult(state.with_progress(NAME, progress), [reply])


def _need(values: list[QueryValue], step: str) -> Label:
    """What the user should send next."""
    return _others(values[0].kind) if step == ASK and len(values) == 1 else Label("cert.need_any")


def _problem(state: ConversationState, parsed: Unrecognized | SameKind, values: list[QueryValue], step: str) -> FlowResult:
    if isinstance(parsed, SameKind):
        reply = Text("cert.same_kind_pair", {"kind": _kind(parsed.kind), "need": _need(values, step)})
    else:
        reply = Text("cert.hint", {"problem": Label(f"cert.problem.{parsed.problem}"), "need": _need(values, step)})
    return FlowResult(state, [reply])


def _resolve(state: ConversationState, ctx: FlowContext, pair: QueryPair) -> FlowResult:
    """A complete pair: the answer when the service looked it up, else keep it for the search button."""
    facts = _facts(ctx)
    if facts.get("limited_until"):
        return _limited(state, str(facts["limited_until"]))
    lookup = facts.get("lookup")
    if isinstance(lookup, dict) and lookup.get("pair") == pair.key():
        return _answer(state.without_form(NAME), lookup)
    values = {"first": [pair.first.kind, pair.first.value], "second": [pair.second.kind, pair.second.value]}
    markup = InlineKeyboard(((InlineButton(Label("cert.btn_search"), data=GO), InlineButton(Label("cert.btn_restart"), data=NEW)),))
    reply = Text("cert.ready", {"first": _kind(pair.first.kind), "second": _kind(pair.second.kind)}, markup)
    return FlowResult(state.with_progress(NAME, FormProgress(step=READY, values=values)), [reply])


def command(state: ConversationState, event: Command, ctx: FlowContext) -> FlowResult:
    """/cert: ask for the values; `/cert A` keeps A and asks for another; `/cert A B` answers."""
    state = state.without_form(NAME)
    until = _facts(ctx).get("limited_until")
    if until:
        return _limited(state, str(until))
    parsed = parse_values(event.args)
    if isinstance(parsed, (Unrecognized, SameKind)):
        return FlowResult(state.with_progress(NAME, FormProgress(step=ASK)), _problem(state, parsed, [], "").replies)
    if len(parsed) == 2:
        pair = make_pair(*parsed)
        assert pair is not None  # parse_values returns two values of different kinds only
        return _resolve(state, ctx, pair)
    if len(parsed) == 1:
        return _got(state, parsed[0])
    return _asking(state)


def on_input(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """A message while the query waits for a value."""
    step, values = _stored(state)
    if not step:
        return FlowResult(state.without_form(NAME), [Text("hint.no_active_form")])
    if isinstance(event, ButtonPress):
        return FlowResult(state, [Text("hint.stale_button")])
    if not isinstance(event, TextInput):
        return FlowResult(state, [Text("cert.expected_text", {"need": _need(values, step)})])
    parsed = parse_values(event.text)
    if isinstance(parsed, (Unrecognized, SameKind)):
        return _problem(state, parsed, values, step)
    if not parsed:
        return FlowResult(state, [Text("cert.expected_text", {"need": _need(values, step)})])
    if len(parsed) == 2 or (step == ASK and len(values) == 1 and values[0].kind != parsed[0].kind):
        pair = make_pair(*parsed) if len(parsed) == 2 else make_pair(values[0], parsed[0])
        assert pair is not None
        return _resolve(state, ctx, pair)
    if step == ASK and len(values) == 1:
        first = values[0]
        return FlowResult(state, [Text("cert.same_kind", {"kind": _kind(first.kind), "others": _others(first.kind)})])
    return _got(state, parsed[0])


def on_button(state: ConversationState, data: str, ctx: FlowContext) -> FlowResult:
    """`cq:go` looks up the pair entered; `cq:new` starts another query."""
    if data == NEW:
        return command(state, Command(NAME), ctx)
    step, values = _stored(state)
    pair = make_pair(*values) if data == GO and step == READY and len(values) == 2 else None
    if pair is None:
        return FlowResult(state, [Text("hint.stale_button")])
    return _resolve(state, ctx, pair)


def cancel(state: ConversationState) -> FlowResult:
    """/cancel during a query: forget the values entered."""
    return FlowResult(state.without_form(NAME), [Text("cert.cancelled")])


def _id_type(code: Any) -> Label:
    return Label(f"id_type.{code if by_code(str(code)) else '299'}")


def _level(level: Any) -> Label:
    return Label(f"level.{level}") if level in LEVELS else Label(raw=str(level))


def _status(cert: dict[str, Any]) -> Label:
    if cert.get("status") == REVOKED:
        return Label("cert.status_revoked", {"reason": cert.get("reason") or Label("cert.no_reason")})
    return Label("cert.status_valid")


def _work_type(record: dict[str, Any]) -> Label | str:
    """The work type (工种/职业方向) after the occupation, when it says something more."""
    work_type = record.get("work_type") or ""
    return Label("cert.work_type", {"work_type": work_type}) if work_type and work_type != record.get("occupation") else ""


def _card(cert: dict[str, Any]) -> Text:
    """All K1 fields of a matched certificate (the ID number arrives masked) and its status."""
    params = {
        "status": _status(cert), "name": cert["name"], "id_type": _id_type(cert["id_type"]), "id_number": cert["id_number"],
        "occupation": cert["occupation"], "work_type": _work_type(cert), "level": _level(cert["level"]),
        "number": cert["number"], "issue_date": cert["issue_date"], "evaluator": cert.get("evaluator") or "",
        "issuer": cert["issuer"],
    }
    return Text("cert.card", params)


def _answer(state: ConversationState, lookup: dict[str, Any]) -> FlowResult:
    """The looked-up answer: each matching certificate, a deleted record as such, or one message for every mismatch."""
    found = list(lookup.get("certificates") or [])
    if lookup.get("outcome") == NO_MATCH or not found:
        return FlowResult(state, [Text("cert.no_match", {}, _again())])
    replies: list[Text] = [Text("cert.found_many", {"count": len(found)})] if len(found) > 1 else []
    replies += [Text("cert.deleted") if c.get("status") == DELETED else _card(c) for c in found]
    replies[-1] = replace(replies[-1], markup=_again())
    return FlowResult(state, list(replies))


def verified(state: ConversationState, ctx: FlowContext, facts: dict[str, Any]) -> FlowResult:
    """A scanned certificate QR: the masked record and its status, a deleted record, or not valid."""
    result = facts.get("result")
    if result == DELETED:
        return FlowResult(state, [Text("cert.verify_deleted")])
    if result != "ok":
        return FlowResult(state, [Text("cert.verify_invalid")])
    params = {
        "status": _status(facts), "name": facts["name"], "id_type": _id_type(facts["id_type"]), "id_number": facts["id_number"],
        "occupation": facts["occupation"], "work_type": _work_type(facts), "level": _level(facts["level"]),
        "number": facts["number"], "issue_date": facts["issue_date"], "issuer": facts["issuer"],
    }
    return FlowResult(state, [Text("cert.verify", params)])
