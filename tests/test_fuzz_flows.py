"""Fuzzing every flow step's input: nothing escapes, the stored state stays valid, entered answers are never lost.

Every form is walked to each of its steps (and to each edit-from-summary position) with valid earlier answers; the
review queue and the certificate query are put in each of their waiting states. From there arbitrary input runs the
way a turn runs it (reply-keyboard mapping, the pure step, the JSON document stored and loaded back), and every
reply must exist and render in both locales. The callback-data and command-argument parsers are fuzzed on their own.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import I18n
from bot.outgoing import localize, reply_map
from bot.services.turn import Turn
from flows import attendance, batch_card, broadcast, cert_card, cert_import, cert_query, checklist, commands, deeplinks, engine
from flows import export, incident, incident_card, my, review, review_card, room_record, scores, staff_deadlines, staff_roles, withdraw
from flows.context import FlowContext
from flows.effects import SetLocale
from flows.engine import CONFIRM, META, SUMMARY, FlowResult, InputKind
from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from flows.replies import Answer, Document, Edit, InlineKeyboard, Label, Photo, Reply, Text
from flows.state import ConversationState, FormProgress
from handlers.commands import parse_command
from tests.support import fuzz_events
from tests.support.fuzz_forms import (
    FORM_SUBJECTS, RESIDENT, SUBJECTS, TICKET, TICKET_CANDIDATE, VALID_PHOTO, cert_query_positions, positioned, review_positions,
)

I18N = I18n()
LABELS = fuzz_events.reply_labels(I18N)
TURN = SimpleNamespace(app=SimpleNamespace(i18n=I18N, cipher=SimpleNamespace(decrypt=lambda text: text)))
DRIVEN = (review.NAME, cert_query.NAME)  # small flows keeping their own state under their name
PSEUDO = frozenset({*DRIVEN, scores.NAME, cert_import.NAME, staff_deadlines.HOLIDAY_FORM})  # never active, never asked
BACKGROUND = {
    "profile": FormProgress(step="mobile", values={"name": "张三"}, history=("name",)),
    scores.NAME: FormProgress(step="sheet", values={"batch_id": 4}),
}
ALL_SUBJECTS = (*FORM_SUBJECTS, *DRIVEN)
MAX_CALLBACK_BYTES = 64
DB_INT_LIMIT = 2**63  # ids beyond a signed 64-bit column make the store raise instead of finding nothing
FUZZ = settings(
    deadline=None, derandomize=True, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def fuzz(examples: int) -> settings:
    """Deterministic settings (no example database, no deadline) for `examples` examples."""
    return settings(FUZZ, max_examples=examples)


BATTERY: tuple[Event, ...] = (
    TextInput(""), TextInput(" \n\t\u3000"), TextInput("\x00\x1b[31m\x7f"), TextInput("\u202e" + RESIDENT), TextInput("😀" * 70),
    TextInput("长" * 5000), TextInput(RESIDENT.lower()), TextInput("１３８ ００１３ ８０００"), TextInput("/x"),
    ButtonPress(""), ButtonPress("fm"), ButtonPress("fm:"), ButtonPress("fm:c"), ButtonPress("fm:c:"), ButtonPress("fm:e:"),
    ButtonPress("fm:e:zz"), ButtonPress("fm:ok"), ButtonPress("fm:done"), ButtonPress("fm:keep"), ButtonPress("fm:back"),
    ButtonPress("fm:c:" + "x:" * 40), ButtonPress("rv:ok:31"), ButtonPress("cq:go"), ButtonPress("lang:xx"),
    ContactShared("13800138000", True), ContactShared("13800138000", False), ContactShared("", True),
    FileInput("photo", "p", "u"), FileInput("document", "d", "v", 10**10, "application/x-msdownload", "a.exe"),
    FileInput("photo", "p2", "u2", 0, "image/jpeg", None, 0, 0), VALID_PHOTO,
    Command("back"), Command("zz", "x"), Command("start", f"tk_{TICKET}"), Command("start", "tk_bad"), Unsupported("sticker"),
    Unsupported("edited"), ButtonPress("fm:cancel"),
)


def _with_fact(ctx: FlowContext, key: str, value: Any) -> FlowContext:
    """The context with one more fact the service would have loaded."""
    return replace(ctx, facts={**ctx.facts, key: value})


def _looked_up(text: str) -> dict[str, Any] | None:
    """What the service's ticket lookup answers for typed text (varied but deterministic for unknown numbers)."""
    query = incident.ticket_query(text)
    if query is None:
        return None
    if query == TICKET:
        return {"query": query, "candidate": dict(TICKET_CANDIDATE)}
    problems = (("unknown", {"number": query}), ("void", {"number": query}), ("no_sitting", {"number": query}), ("not_assigned", {"batch": "B"}))
    problem, params = problems[sum(map(ord, query)) % len(problems)]
    return {"query": query, "problem": problem, "params": params}


def _scanned(token: str) -> dict[str, Any]:
    """What the service's QR lookup answers for a scanned ticket token."""
    return {"query": TICKET, "candidate": dict(TICKET_CANDIDATE)} if token == TICKET else {"query": "", "problem": "invalid_qr"}


CommandStep = Callable[[ConversationState, Command, FlowContext], FlowResult]
COMMAND_STEPS: dict[str, CommandStep] = {
    "start": lambda st, ev, ctx: commands.start(st, ctx),
    "help": lambda st, ev, ctx: commands.help_(st, ctx),
    "lang": lambda st, ev, ctx: commands.lang(st, ctx),
    "cancel": lambda st, ev, ctx: commands.cancel(st, ctx),
    "whoami": lambda st, ev, ctx: commands.whoami(st, ctx),
    **{name: (lambda st, ev, ctx, name=name: commands.open_form(name, st, ctx)) for name in ("profile", "apply", "announce", "batch")},
    cert_query.NAME: cert_query.command,
    incident.NAME: lambda st, ev, ctx: incident.start_report(st, ctx),
    review.NAME: lambda st, ev, ctx: review.show(st, ctx),
}
BUTTON_STEPS: tuple[tuple[str, Callable[[ConversationState, str, FlowContext], FlowResult]], ...] = (
    (review_card.PREFIX + ":", review.on_button),
    (cert_query.PREFIX + ":", cert_query.on_button),
    (commands.LANG_PREFIX, lambda st, data, ctx: commands.choose_lang(st, ctx, data)),
)


def dispatch(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """The pure step the service runs for an event (commands, prefixed buttons, the incident ticket lookup, else input)."""
    if isinstance(event, Command):
        if event.name == "start" and event.args.startswith("tk_") and incident.waits_for_candidate(state):
            found = _scanned(event.args.removeprefix("tk_"))
            return incident.take_candidate(state, _with_fact(ctx, incident.LOOKUP, found), str(found["query"]))
        step = COMMAND_STEPS.get(event.name)
        return step(state, event, ctx) if step else commands.on_input(state, event, ctx)
    if isinstance(event, ButtonPress):
        for prefix, on_button in BUTTON_STEPS:
            if event.data.startswith(prefix):
                return on_button(state, event.data, ctx)
    if isinstance(event, TextInput) and incident.waits_for_candidate(state):
        return incident.answer_candidate(state, event, _with_fact(ctx, incident.LOOKUP, _looked_up(event.text)))
    return commands.on_input(state, event, ctx)


def stored(state: ConversationState, version: int = 1) -> ConversationState:
    """The state as the turn saves it (sorted JSON, encryption left out) and loads it back."""
    document = state.to_json()
    loaded = Turn._load_state(TURN, json.dumps(document, ensure_ascii=False, sort_keys=True), version)  # type: ignore[arg-type]
    assert loaded.to_json() == document, f"state does not survive storage unchanged: {document}"
    return loaded


def turn(state: ConversationState, event: Event, ctx: FlowContext) -> tuple[FlowResult, ConversationState]:
    """One update as the service runs it: reply-keyboard mapping, the step, the reply map, then the storage round trip."""
    mapped = Turn._map_reply_button(TURN, state, event, ctx.locale)  # type: ignore[arg-type]
    result = dispatch(state, mapped, ctx)
    saved = replace(result.state, reply_map=reply_map(result.replies, result.state.reply_map))
    return result, stored(saved, state.version + 1)


def check_form(name: str, progress: FormProgress) -> None:
    """A form's progress names one of its steps, and its answers and history only its own steps."""
    form = commands.FORMS[name]
    names = {s.name for s in form.steps}
    assert progress.step in names | {SUMMARY} | ({CONFIRM} if form.confirm else set()), f"{name} at unknown step {progress.step!r}"
    assert set(progress.history) <= names | {SUMMARY}, f"{name} history {progress.history}"
    noted = {f"_{n}_limit_noted" for n in names}
    strays = [k for k in progress.values if k not in names and k not in noted and not k.startswith(META)]
    assert not strays, f"{name} holds answers to no step: {strays}"


def check_state(state: ConversationState) -> None:
    """The stored state is at a known step of a known form, or no form is active."""
    assert set(state.forms) <= set(commands.FORMS) | PSEUDO, f"unknown forms {set(state.forms)}"
    assert state.active is None or state.active in set(commands.FORMS) | set(DRIVEN), f"active {state.active!r}"
    for name, progress in state.forms.items():
        if name in commands.FORMS:
            check_form(name, progress)
    pending = state.forms.get(review.NAME)
    if pending is not None:
        assert pending.step == review.NOTE_STEP and {"application_id", "number", "candidate", "decision", "reason"} <= set(pending.values)
    query = state.forms.get(cert_query.NAME)
    if query is not None:
        assert query.step in (cert_query.ASK, cert_query.READY) and set(query.values) <= {"first", "second"}
    assert all(I18N.has(locale, key) for key in state.reply_map for locale in commands.LOCALES), state.reply_map


def _completed(result: FlowResult) -> bool:
    """True when the step submitted its form (an effect other than a language change)."""
    return any(not isinstance(e, SetLocale) for e in result.effects)


def check_kept(before: ConversationState, after: ConversationState, event: Event, result: FlowResult) -> None:
    """Every draft survives (unless the user dropped it or submitted it) and keeps every answer that still applies."""
    for name, old in before.forms.items():
        if isinstance(event, ButtonPress) and event.data == engine.nav("drop", name):
            continue
        if name not in commands.FORMS:
            if name not in DRIVEN:
                assert after.forms.get(name) == old, f"{name} changed by unrelated input"
            continue
        if name == before.active and _completed(result):
            continue
        new = after.forms.get(name)
        assert new is not None, f"draft {name} lost"
        applicable = {s.name for s in commands.FORMS[name].applicable(new.values)}
        for key, value in old.values.items():
            if key.startswith(META):
                assert new.values.get(key) == value, f"{name}: {key} changed"
            elif key in applicable:
                assert key in new.values, f"{name}: answer {key} lost"
                if not (name == before.active and key == old.step):
                    assert new.values[key] == value, f"{name}: answer {key} changed while answering {old.step}"


def _labels(value: Any) -> list[Label]:
    """Labels nested anywhere in a reply's parameters."""
    if isinstance(value, Label):
        return [value, *_labels(value.params)]
    if isinstance(value, dict):
        return [label for v in value.values() for label in _labels(v)]
    if isinstance(value, (list, tuple)):
        return [label for v in value for label in _labels(v)]
    return []


def _keys(reply: Reply) -> list[str]:
    """Catalogue keys a reply uses: its own, its parameters', its caption's and its buttons'."""
    keys = [reply.key] if isinstance(reply, (Text, Edit)) else []
    labels = _labels(getattr(reply, "params", {})) + _labels(getattr(reply, "caption", None)) + _labels(getattr(reply, "label", None))
    markup = getattr(reply, "markup", None)
    if markup is not None and hasattr(markup, "rows"):
        labels += [label for row in markup.rows for b in row for label in _labels(b.label)]
    return keys + [label.key for label in labels if label.raw is None]


_RENDERED: set[str] = set()


def _render(reply: Reply) -> None:
    """Localize a reply in both locales (each distinct reply once: prompts repeat after every bad input)."""
    key = repr(reply)
    if key not in _RENDERED:
        for locale in commands.LOCALES:
            localize(I18N, locale, 7, [reply])
        _RENDERED.add(key)


def check_replies(replies: list[Reply]) -> None:
    """Each reply's keys exist in both locales, it renders in both, and its buttons' data fit Telegram's 64 bytes."""
    for reply in replies:
        for key in _keys(reply):
            for locale in commands.LOCALES:
                assert I18N.has(locale, key), f"{locale} lacks {key}"
        _render(reply)
        markup = getattr(reply, "markup", None)
        if isinstance(markup, InlineKeyboard):
            for data in (b.data for row in markup.rows for b in row if b.url is None):
                assert data and len(data.encode()) <= MAX_CALLBACK_BYTES, f"callback data {data!r}"
        assert isinstance(reply, (Text, Edit, Photo, Document, Answer)) or hasattr(reply, "role")


def check_answered(before: ConversationState, event: Event, result: FlowResult) -> None:
    """Every input gets an answer, except files beyond a multi-file step's limit once the limit was announced."""
    if result.replies:
        return
    progress = before.progress
    assert isinstance(event, FileInput) and progress is not None and before.active in commands.FORMS, f"no answer to {event!r}"
    step = commands.FORMS[before.active].step(progress.step)
    assert step.kind is InputKind.FILES and progress.values.get(f"_{step.name}_limit_noted"), f"no answer to {event!r}"


def step_checked(state: ConversationState, event: Event, ctx: FlowContext) -> ConversationState:
    """Run one event through a turn and check everything; the stored state comes back for the next event."""
    result, after = turn(state, event, ctx)
    check_state(after)
    check_kept(state, after, event, result)
    check_replies(result.replies)
    check_answered(state, event, result)
    return after


def positions(name: str) -> dict[str, ConversationState]:
    """Stored states at every step of a flow, each with a profile draft and a score upload waiting in the background."""
    if name == review.NAME:
        raw = review_positions()
    elif name == cert_query.NAME:
        raw = cert_query_positions()
    else:
        raw = {f"{step}{'+edit' if editing else ''}": state for (step, editing), state in positioned(name).items()}
    background = {k: v for k, v in BACKGROUND.items() if k != name}
    return {label: stored(replace(state, forms={**background, **state.forms})) for label, state in raw.items()}


def _choice_values(name: str) -> tuple[str, ...]:
    """Every option value any choice step of the form offered at any position."""
    if name not in commands.FORMS:
        return ()
    form, ctx = commands.FORMS[name], SUBJECTS[name].ctx
    values: set[str] = set()
    for state in positions(name).values():
        progress = state.forms[name]
        for step in form.steps:
            if step.kind is InputKind.CHOICE and step.choices is not None:
                values |= {c.value for c in step.choices(ctx, progress.values)}
    return tuple(sorted(values))


def _step_names(name: str) -> tuple[str, ...]:
    """Step names the navigation buttons of a flow can name."""
    return tuple(s.name for s in commands.FORMS[name].steps) if name in commands.FORMS else (review.NOTE_STEP, cert_query.ASK)


def test_every_step_of_every_form_is_reached() -> None:
    for name in FORM_SUBJECTS:
        form = commands.FORMS[name]
        reached = {step for step, _ in positioned(name)}
        wanted = {s.name for s in form.steps} | {SUMMARY} | ({CONFIRM} if form.confirm else set())
        assert wanted <= reached, f"{name}: never reached {sorted(wanted - reached)}"
    assert set(commands.FORMS) <= set(FORM_SUBJECTS), "a registered form has no fuzz subject"


@pytest.mark.parametrize("name", ALL_SUBJECTS)
def test_hostile_input_at_every_step(name: str) -> None:
    ctx = SUBJECTS[name].ctx
    for label, state in positions(name).items():
        if label.endswith("+edit") and label != f"{SUMMARY}+edit":
            continue  # edit positions are sampled by the sequence fuzz below
        for event in BATTERY:
            try:
                step_checked(state, event, ctx)
            except AssertionError as failure:
                raise AssertionError(f"{name} at {label}, {event!r}: {failure}") from failure


@pytest.mark.parametrize("name", ALL_SUBJECTS)
def test_fuzzed_input_sequences_at_every_step(name: str) -> None:
    ctx = SUBJECTS[name].ctx
    states = positions(name)
    forms = tuple(commands.FORMS) + tuple(PSEUDO)
    events = fuzz_events.events(LABELS, _step_names(name), _choice_values(name), forms)

    @fuzz(min(150, 30 + 2 * len(states)))
    @given(st.sampled_from(sorted(states)), st.lists(events, min_size=1, max_size=4))
    def run(label: str, sequence: list[Event]) -> None:
        state = states[label]
        for event in sequence:
            state = step_checked(state, event, ctx)

    run()


# ---- callback data and command arguments ----------------------------------------------------------------------------

def _ints(value: Any) -> list[int]:
    """Integers in a parse result (ids the service looks up)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, (tuple, list)):
        return [i for v in value for i in _ints(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [i for f in value.__dataclass_fields__ for i in _ints(getattr(value, f))]
    return []


ODD_NUMBERS = ("", "0", "²", "١٢", "９", "9" * 19, "9" * 25, "-1", " 1", "1 ", "#1", "1.0", "x")


def _digits_or_text(prefix: str, arity: int) -> st.SearchStrategy[str]:
    """`prefix` followed by fields that are often digit strings (incl. non-ASCII digits and huge numbers)."""
    field = st.one_of(st.text(max_size=8), st.sampled_from(("1", "42", *ODD_NUMBERS)), st.integers(0, 10**20).map(str))
    fields = st.integers(0, arity).flatmap(lambda n: st.lists(field, min_size=n, max_size=n))
    return fields.map(lambda values: ":".join([prefix, *values]))


def _odd_fields(prefix: str) -> list[str]:
    """`prefix` with one to three well-formed fields, one of them replaced by an odd number."""
    shaped = []
    for arity in (1, 2, 3):
        for position in range(arity):
            for odd in ODD_NUMBERS:
                fields = ["1"] * arity
                fields[position] = odd
                shaped.append(":".join([prefix, *fields]))
    return shaped


PARSERS: dict[str, tuple[Callable[[str], Any], tuple[str, ...]]] = {
    "batch_card": (batch_card.parse, tuple(f"{batch_card.PREFIX}:{a}" for a in batch_card.ACTIONS)),
    "cert_card": (cert_card.parse, tuple(f"{cert_card.PREFIX}:{a}" for a in cert_card.ACTIONS)),
    "incident_card": (incident_card.parse, tuple(f"{incident_card.PREFIX}:{a}" for a in incident_card.ACTIONS)),
    "attendance": (attendance.parse, tuple(f"{attendance.PREFIX}:{k}" for k in attendance.KINDS)),
    "checklist": (checklist.parse, (checklist.PREFIX, f"{checklist.PREFIX}:{checklist.OVERVIEW}")),
    "broadcast": (broadcast.parse_button, tuple(f"{broadcast.PREFIX}:{a}" for a in (broadcast.SEND, broadcast.DROP, broadcast.LIST))),
    "papers": (room_record.parse_papers_button, (f"{room_record.PAPERS_PREFIX}:{room_record.CONFIRM}",)),
    "room_record": (room_record.parse_record_button, tuple(f"{room_record.RECORD_PREFIX}:{k}" for k in (room_record.LIST, room_record.SITTING, room_record.ROOM, room_record.ALL))),
    "scores_issue": (scores.issue_target, (scores.ISSUE,)),
    "scores_confirm": (scores.confirm_target, (scores.CONFIRM,)),
    "deadline_done": (staff_deadlines.parse_done_button, (staff_deadlines.DONE_PREFIX,)),
    "staff_roles": (staff_roles.parse_button, (f"{staff_roles.PREFIX}:{staff_roles.PICK}", f"{staff_roles.PREFIX}:{staff_roles.SET}")),
    "withdraw": (withdraw.target, (f"{withdraw.PREFIX}:{withdraw.ASK}", f"{withdraw.PREFIX}:{withdraw.CONFIRM}")),
    "fix": (my.fix_target, (f"{my.PREFIX}:fix",)),
    "review": (lambda raw: review.target(raw)[1], tuple(f"{review_card.PREFIX}:{a}" for a in ("card", "ok", "no", "sup", "r", "skip", "x"))),
    "deep_link": (deeplinks.parse, tuple(deeplinks.PREFIXES)),
}
ARGUMENT_PARSERS: dict[str, Callable[[str], Any]] = {
    "scores": scores.parse_batch, "issue": scores.parse_issue, "deadlines": staff_deadlines.parse_batch,
    "done": staff_deadlines.parse_done, "papers": room_record.parse_papers, "room_record": room_record.parse_target,
    "broadcast": broadcast.parse, "audience": broadcast.parse_audience, "export_applications": export.parse_announcement,
    "export": export.parse_export, "export_certificates": cert_import.parse_institution, "command": parse_command,
    "ticket": incident.ticket_query, "cert": lambda raw: cert_query.pair_for(ConversationState(), Command(cert_query.NAME, raw)),
}


def _check_parsers(parsers: dict[str, Callable[[str], Any]], raw: str) -> None:
    """Every parser takes `raw` without raising; the ids it accepts fit the store."""
    for name, parse in parsers.items():
        parsed = parse(raw)
        assert all(0 <= i < DB_INT_LIMIT for i in _ints(parsed)), f"{name}: {raw!r} → {parsed!r}"


CALLBACK_PARSERS = {name: parse for name, (parse, _) in PARSERS.items()}
SHAPED_DATA = st.sampled_from(sorted({p for _, prefixes in PARSERS.values() for p in prefixes})).flatmap(lambda p: _digits_or_text(p, 3))
ARGUMENT_WORDS = st.sampled_from(("batch", "role", "staff", "applications", "tickets", "scores", "2026-12-01", "P3", "restart", "²",
                                  "9" * 25, "#7", RESIDENT, "张三", "/x@bot", "tk_", "inv_1"))


def test_callback_parsers_take_odd_numbers_in_every_field() -> None:
    for prefix in sorted({p for _, prefixes in PARSERS.values() for p in prefixes}):
        for raw in _odd_fields(prefix):
            _check_parsers(CALLBACK_PARSERS, raw)


def test_command_argument_parsers_take_odd_numbers() -> None:
    for odd in ODD_NUMBERS:
        for raw in (odd, f"{odd} 1", f"1 {odd}", f"{odd} 2026-12-01", f"{odd} P3", f"batch {odd} x", f"tickets {odd}", f"{odd} 1 x"):
            _check_parsers(ARGUMENT_PARSERS, raw)


@fuzz(400)
@given(st.one_of(st.text(max_size=80), SHAPED_DATA))
def test_callback_parsers_never_raise_and_accepted_ids_fit_the_store(raw: str) -> None:
    _check_parsers(CALLBACK_PARSERS, raw)


@fuzz(400)
@given(st.one_of(st.text(max_size=80), st.lists(st.one_of(ARGUMENT_WORDS, st.integers(0, 10**20).map(str), st.text(max_size=6)), max_size=4).map(" ".join)))
def test_command_argument_parsers_never_raise_and_accepted_ids_fit_the_store(raw: str) -> None:
    _check_parsers(ARGUMENT_PARSERS, raw)


ids = st.integers(1, 10**12 - 1)


def _button_data(result: FlowResult) -> list[str]:
    """Callback data of every inline button a flow step replied with."""
    return [b.data or "" for r in result.replies if isinstance(getattr(r, "markup", None), InlineKeyboard) for row in r.markup.rows for b in row]


ROUND_TRIPS: dict[str, st.SearchStrategy[tuple[str, Any, Callable[[str], Any]]]] = {
    "batch_card": st.sampled_from(sorted(batch_card.ACTIONS)).flatmap(lambda a: st.lists(ids, min_size=batch_card.ACTIONS[a], max_size=batch_card.ACTIONS[a]).map(
        lambda i: (batch_card.data(a, *i), batch_card.Action(a, tuple(i)), batch_card.parse))),
    "cert_card": st.tuples(st.sampled_from(cert_card.ACTIONS), ids).map(lambda p: (cert_card.data(*p), cert_card.Action(*p), cert_card.parse)),
    "incident_card": st.tuples(st.sampled_from(incident_card.ACTIONS), ids, ids).map(lambda p: (
        incident_card.data(p[0], p[1], p[2] if p[0] in incident_card.VERSIONED else None),
        incident_card.Action(p[0], p[1], p[2] if p[0] in incident_card.VERSIONED else None), incident_card.parse)),
    "attendance": st.tuples(st.sampled_from(attendance.KINDS), st.integers(1, 10**12)).map(
        lambda p: (attendance.data(*p), attendance.Action(*p), attendance.parse)),
    "checklist": st.tuples(ids, st.text("abcdefghij_", min_size=1, max_size=12), st.booleans()).map(
        lambda p: (checklist.item_data(*p), checklist.Press(*p), checklist.parse)),
    "broadcast": st.tuples(st.sampled_from((broadcast.SEND, broadcast.DROP)), ids).map(lambda p: (broadcast.data(*p), p, broadcast.parse_button)),
    "papers": st.tuples(ids, st.integers(0, room_record.MAX_PAPERS)).map(
        lambda p: (room_record.papers_data(*p), room_record.PapersInput(*p), room_record.parse_papers_button)),
    "deadline_done": st.tuples(ids, st.sampled_from(("P1", "P3", "C-2"))).map(
        lambda p: (staff_deadlines.done_data(*p), p, staff_deadlines.parse_done_button)),
    "withdraw": st.tuples(st.sampled_from((withdraw.ASK, withdraw.CONFIRM)), ids).map(lambda p: (withdraw.data(*p), p, withdraw.target)),
    "fix": ids.map(lambda i: (my.fix_data(i), i, my.fix_target)),
    "scores_confirm": st.tuples(ids, st.text(max_size=3)).map(lambda p: (
        _button_data(scores.checked(ConversationState(), SUBJECTS["profile"].ctx, scores.Report("same", p[0], p[1], confirmable=True)))[0],
        p[0], scores.confirm_target)),
    "scores_issue": st.tuples(ids, st.dates(date(2000, 1, 1), date(2100, 1, 1))).map(lambda p: (
        _button_data(scores.issue_offer(ConversationState(), SUBJECTS["profile"].ctx, p[0], "B", p[1], 1, 0, "X"))[0], p, scores.issue_target)),
    "staff_roles": ids.map(lambda i: (
        _button_data(staff_roles.choose(ConversationState(), SUBJECTS["profile"].ctx, staff_roles.Account(i + 10, "candidate", "X")))[0],
        (staff_roles.SET, i + 10, "admin"), staff_roles.parse_button)),
    "deep_link": st.tuples(st.sampled_from(sorted(deeplinks.PREFIXES.items())), st.text("abcXYZ019_-", min_size=1, max_size=40)).map(
        lambda p: (p[0][0] + p[1], deeplinks.Payload(p[0][1], p[1]), deeplinks.parse)),
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_buttons_the_bot_makes_parse_back_to_what_they_name(name: str) -> None:
    @fuzz(50)
    @given(ROUND_TRIPS[name])
    def run(case: tuple[str, Any, Callable[[str], Any]]) -> None:
        data, expected, parse = case
        assert len(data.encode()) <= MAX_CALLBACK_BYTES and parse(data) == expected

    run()


def test_accepted_review_buttons_round_trip() -> None:
    @fuzz(80)
    @given(st.sampled_from(("card", "ok", "no", "sup", "skip", "x", "photo", "docs")), ids)
    def run(action: str, app_id: int) -> None:
        assert review.target(review_card.data(action, app_id)) == (action, app_id)
        decision = review_card.REJECT
        assert review.target(review_card.data("r", decision, app_id, review_card.OTHER)) == ("r", app_id)

    run()


def test_the_fuzz_checks_can_fail() -> None:
    state = positions("apply")["mobile"]
    form = state.forms["apply"]
    lost = replace(state, forms={**state.forms, "apply": replace(form, values={k: v for k, v in form.values.items() if k != "name"})})
    with pytest.raises(AssertionError, match="answer name lost"):
        check_kept(state, lost, TextInput("x"), FlowResult(lost))
    with pytest.raises(AssertionError, match="lacks"):
        check_replies([Text("no.such.key")])
    with pytest.raises(AssertionError, match="unknown step"):
        check_state(replace(state, forms={**state.forms, "apply": replace(form, step="nowhere")}))
    with pytest.raises(AssertionError, match="storage"):
        stored(replace(state, forms={**state.forms, "apply": replace(form, values={**form.values, "x": ("a",)})}))
    with pytest.raises(AssertionError, match="no answer"):
        check_answered(state, TextInput("x"), FlowResult(state))
