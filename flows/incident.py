"""The incident report (/incident, V1–V3) and the two small forms opened from a case (V5, §19).

The report: the candidate (ticket number typed, or the ticket QR scanned while this step waits), the rule (V1/V2/V3)
and the item of the guideline, for V3 minor (2 years) or serious (5 years), a description, up to five photos, then a
summary with edit buttons. The service looks the ticket up before the step runs and puts the answer in
`ctx.facts[LOOKUP]`; the sitting and room are the ones the ticket is seated in for the sitting running now (or the
most recent one). The note form takes the room head's reason for a rejection or the reviewer's decision on an appeal;
the appeal form takes the candidate's statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.normalize import compact
from bot.rules.violations import BAN_2Y, BAN_5Y, RULES, allowed, by_code, of_rule
from flows import engine
from flows.context import FlowContext
from flows.engine import META, Choice, FlowResult, Form, InputKind, Invalid, Step
from flows.events import Event, FileInput, TextInput
from flows.incident_card import APPEAL, NOTE_ACTIONS, article_label, sanction_label, violation_label
from flows.menu import EXAM_ROLES, STAFF_ROLES, is_staff
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

NAME, NOTE_NAME, APPEAL_NAME = "incident", "incident_note", "incident_appeal"
LOOKUP = "incident_lookup"  # facts key: the ticket the service looked up for the candidate step
CANDIDATE, RULE, SEVERITY, DESCRIPTION, EVIDENCE, NOTE, STATEMENT = (
    "candidate", "rule", "severity", "description", "evidence", "note", "statement",
)
ITEM_STEPS = {rule: f"item_{rule}" for rule in RULES}
MINOR, SERIOUS = "minor", "serious"
SEVERITY_SANCTIONS = {MINOR: BAN_2Y, SERIOUS: BAN_5Y}
MAX_DESCRIPTION, MAX_PHOTOS, MAX_NOTE, MAX_STATEMENT = 1000, 5, 500, 2000
INCIDENT_KEY, ACTION_KEY, VERSION_KEY = META + "incident", META + "action", META + "version"
REPORT_ROLES = STAFF_ROLES + EXAM_ROLES
TICKET_DIGITS = (6, 20)


@dataclass(frozen=True)
class ReportIncident:
    """Effect: store the report (status `reported`) and ask for the second signature."""

    number: str
    ticket_id: int
    session_id: int
    room_id: int
    code: str
    sanction: str
    description: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class DecideIncident:
    """Effect: the room head rejects a signed report, or a reviewer upholds or overturns it on appeal."""

    incident_id: int
    action: str
    version: int
    note: str


@dataclass(frozen=True)
class AppealIncident:
    """Effect: the candidate's statement against an effective decision (§19)."""

    incident_id: int
    statement: str


def may_report(role: str) -> bool:
    """Proctors, assessors, supervisors, staff and admins may report."""
    return role in REPORT_ROLES


def ticket_query(text: str) -> str | None:
    """A typed ticket number normalized (full-width digits, spaces and dashes), or None when it cannot be one."""
    value = compact(text).replace("-", "")
    low, high = TICKET_DIGITS
    return value if value.isascii() and value.isdigit() and low <= len(value) <= high else None


def parse_candidate(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """The ticket the service found for the typed (or scanned) number, with its sitting and room."""
    assert isinstance(event, TextInput)
    typed = event.text.strip()
    query = ticket_query(typed) or ""
    found = ctx.facts.get(LOOKUP)
    if isinstance(found, dict) and found.get("query") == query and found.get("problem"):
        raise Invalid(f"incident.problem.{found['problem']}", **dict(found.get("params") or {}))
    if not query:
        raise Invalid("incident.problem.format", typed=typed[:40])
    if not isinstance(found, dict) or found.get("query") != query or not isinstance(found.get("candidate"), dict):
        raise Invalid("incident.problem.lookup")
    return dict(found["candidate"])


def rule_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """V1, V2, V3 with the article and the sanction each prescribes."""
    return [Choice(rule, Label(f"incident.rule.{rule}")) for rule in RULES]


def _item_choices(rule: str) -> Any:
    return lambda ctx, values: [Choice(v.code, Label(f"violation_short.{v.code}")) for v in of_rule(rule)]


def severity_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """V3: minor (two years) or serious (five years)."""
    return [Choice(MINOR, Label("incident.severity.minor")), Choice(SERIOUS, Label("incident.severity.serious"))]


def parse_description(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """What happened, 1..1000 characters, line breaks kept."""
    assert isinstance(event, TextInput)
    value = "\n".join(line.rstrip() for line in event.text.strip().splitlines())
    if not value:
        raise Invalid("hint.expected_text")
    if len(value) > MAX_DESCRIPTION:
        raise Invalid("incident.problem.too_long", limit=MAX_DESCRIPTION, length=len(value))
    return value


def parse_photo(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """A photo of the evidence (its Telegram file id is kept); documents are refused."""
    assert isinstance(event, FileInput)
    if event.kind != "photo":
        raise Invalid("incident.problem.photo_only")
    return {"file_id": event.file_id, "file_unique_id": event.file_unique_id, "kind": event.kind}


def code_of(values: dict[str, Any]) -> str:
    """The chosen catalogue code (`V2.device`), or "" before an item is chosen."""
    return str(values.get(ITEM_STEPS.get(str(values.get(RULE)), ""), "") or "")


def sanction_of(values: dict[str, Any]) -> str:
    """The sanction the chosen item prescribes (for V3 the chosen severity's), or ""."""
    violation = by_code(code_of(values))
    if violation is None:
        return ""
    if len(violation.sanctions) == 1:
        return violation.sanctions[0]
    return SEVERITY_SANCTIONS.get(str(values.get(SEVERITY)), "")


def _show_candidate(value: Any) -> Label:
    seat = Label(f"room_kind.seat_{value.get('kind', 'desk')}", {"number": f"{int(value.get('seat') or 0):02d}"})
    return Label("incident.show.candidate", {**value, "subject": Label(f"subject.{value['subject']}"), "seat": seat})


def _show_item(value: Any) -> Label:
    violation = by_code(str(value))
    only = violation.sanctions[0] if violation and len(violation.sanctions) == 1 else None
    params = {"text": violation_label(str(value)), "article": article_label(str(value)),
              "sanction": sanction_label(only) if only else ""}
    return Label("incident.show.item", params)


def _show_severity(value: Any) -> Label:
    return Label("incident.show.severity", {"severity": Label(f"incident.severity.{value}"),
                                            "sanction": sanction_label(SEVERITY_SANCTIONS[value])})


def _show_evidence(value: Any) -> Label:
    return Label("incident.show.evidence", {"count": len(value or ())})


def _when_rule(rule: str) -> Any:
    return lambda values: values.get(RULE) == rule


REPORT_STEPS: tuple[Step, ...] = (
    Step(CANDIDATE, "incident.ask_candidate", parse=parse_candidate, label="incident.field_candidate", show=_show_candidate),
    Step(RULE, "incident.ask_rule", InputKind.CHOICE, choices=rule_choices, label="incident.field_rule"),
    *(Step(ITEM_STEPS[rule], f"incident.ask_item_{rule}", InputKind.CHOICE, choices=_item_choices(rule), when=_when_rule(rule),
           label="incident.field_item", show=_show_item) for rule in RULES),
    Step(SEVERITY, "incident.ask_severity", InputKind.CHOICE, choices=severity_choices, when=_when_rule("V3"),
         label="incident.field_severity", show=_show_severity),
    Step(DESCRIPTION, "incident.ask_description", parse=parse_description, label="incident.field_description"),
    Step(EVIDENCE, "incident.ask_evidence", InputKind.FILES, parse=parse_photo, label="incident.field_evidence",
         show=_show_evidence, max_items=MAX_PHOTOS, optional=True),
)


def check_report(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the report cannot be stored now: role, the candidate's ticket or sitting changed, or no valid sanction."""
    if not may_report(ctx.role):
        return [Text("incident.not_allowed")]
    facts = ctx.facts.get(NAME) or {}
    if facts.get("problem"):
        return [Text(f"incident.problem.{facts['problem']}", dict(facts.get("params") or {}))]
    if not facts.get("next_number"):
        return [Text("incident.problem.lookup")]
    if not allowed(code_of(values), sanction_of(values)):
        return [Text("incident.problem.sanction")]
    return []


def complete_report(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Submit: the report is stored as `reported` and the other examiners and staff are asked to sign."""
    number = str((ctx.facts.get(NAME) or {}).get("next_number", ""))
    candidate = values[CANDIDATE]
    evidence = tuple(str(p["file_id"]) for p in values.get(EVIDENCE) or () if isinstance(p, dict))
    effect = ReportIncident(
        number=number, ticket_id=int(candidate["ticket_id"]), session_id=int(candidate["session_id"]),
        room_id=int(candidate["room_id"]), code=code_of(values), sanction=sanction_of(values),
        description=str(values[DESCRIPTION]), evidence=evidence,
    )
    return [Text("incident.reported", {"number": number})], [effect]


REPORT_FORM = Form(
    name=NAME, title="incident.title", summary="form.summary", steps=REPORT_STEPS, complete=complete_report, check=check_report,
)


def start_report(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """/incident: start (or resume) a report; only examiners and staff may."""
    if not may_report(ctx.role):
        return FlowResult(state, [Text("incident.not_allowed")])
    return engine.start(REPORT_FORM, state, ctx)


def waits_for_candidate(state: ConversationState) -> bool:
    """True while an open report asks for the candidate (a scanned ticket QR then answers it)."""
    progress = state.progress
    return state.active == NAME and progress is not None and progress.step == CANDIDATE


def answer_candidate(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """Typed input to the candidate step; once the ticket is found the report says whom it is about and goes on."""
    if not waits_for_candidate(state):
        return FlowResult(state, [Text("hint.stale_button")])
    result = engine.handle(REPORT_FORM, state, event, ctx)
    progress = result.state.forms.get(NAME)
    if progress is None or progress.step == CANDIDATE or not isinstance(progress.values.get(CANDIDATE), dict):
        return result
    found = Text("incident.candidate_found", {"candidate": _show_candidate(progress.values[CANDIDATE])})
    return FlowResult(result.state, [found] + result.replies, result.effects)


def take_candidate(state: ConversationState, ctx: FlowContext, number: str) -> FlowResult:
    """A scanned ticket QR answers the candidate step as if its number had been typed."""
    return answer_candidate(state, TextInput(number), ctx)


def _free_text(limit: int) -> Any:
    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
        assert isinstance(event, TextInput)
        value = "\n".join(line.rstrip() for line in event.text.strip().splitlines())
        if not value:
            raise Invalid("hint.expected_text")
        if len(value) > limit:
            raise Invalid("incident.problem.too_long", limit=limit, length=len(value))
        return value

    return parse


def _case(ctx: FlowContext, form_name: str) -> dict[str, Any] | None:
    """The case the service loaded for a note or appeal form."""
    return (ctx.facts.get(form_name) or {}).get("incident")


def check_note(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the decision cannot be taken now: not staff, the case is gone, or it changed since the form opened."""
    if not is_staff(ctx.role):
        return [Text("incident.not_allowed")]
    case = _case(ctx, NOTE_NAME)
    if case is None or case["id"] != values.get(INCIDENT_KEY):
        return [Text("incident.not_found")]
    if case["version"] != values.get(VERSION_KEY) or values.get(ACTION_KEY) not in case.get("can", ()):
        return [Text("incident.refused.changed", {"number": case["number"]})]
    return []


def complete_note(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Reject, uphold or overturn with the note; the people concerned are told."""
    case = _case(ctx, NOTE_NAME) or {}
    action = str(values[ACTION_KEY])
    effect = DecideIncident(int(values[INCIDENT_KEY]), action, int(values[VERSION_KEY]), str(values[NOTE]))
    return [Text(f"incident.decided.{action}", {"number": case.get("number", "")})], [effect]


NOTE_FORM = Form(
    name=NOTE_NAME, title="incident.note_title", summary="form.summary", complete=complete_note, check=check_note,
    steps=(Step(NOTE, "incident.ask_note", parse=_free_text(MAX_NOTE), label="incident.field_note"),),
)


def check_appeal(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Why the appeal cannot be sent now: not the candidate's case, or it is no longer open to appeal."""
    case = _case(ctx, APPEAL_NAME)
    if case is None or case["id"] != values.get(INCIDENT_KEY):
        return [Text("incident.not_found")]
    if APPEAL not in case.get("can", ()):
        return [Text("incident.refused.appeal_closed", {"number": case["number"]})]
    return []


def complete_appeal(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Send the statement; staff review it and the candidate is told the outcome."""
    case = _case(ctx, APPEAL_NAME) or {}
    effect = AppealIncident(int(values[INCIDENT_KEY]), str(values[STATEMENT]))
    return [Text("incident.appeal_sent", {"number": case.get("number", "")})], [effect]


APPEAL_FORM = Form(
    name=APPEAL_NAME, title="incident.appeal_title", summary="form.summary", complete=complete_appeal, check=check_appeal,
    steps=(Step(STATEMENT, "incident.ask_statement", parse=_free_text(MAX_STATEMENT), label="incident.field_statement"),),
)
INCIDENT_FORMS: tuple[Form, ...] = (REPORT_FORM, NOTE_FORM, APPEAL_FORM)
FORM_NAMES = tuple(f.name for f in INCIDENT_FORMS)


def _open(form: Form, state: ConversationState, ctx: FlowContext, meta: dict[str, Any], intro: Text) -> FlowResult:
    """Open a case form; a draft about another case (or another decision) is replaced."""
    draft = state.forms.get(form.name)
    if draft is not None and any(draft.values.get(k) != v for k, v in meta.items()):
        state = state.without_form(form.name)
    result = engine.start(form, state, ctx, meta)
    return FlowResult(result.state, [intro] + result.replies, result.effects)


def open_note(state: ConversationState, ctx: FlowContext, action: str, version: int) -> FlowResult:
    """A reject / uphold / overturn button: ask for the note, if this viewer may still take that decision."""
    case = _case(ctx, NOTE_NAME)
    if case is None:
        return FlowResult(state, [Text("incident.not_found")])
    if action not in NOTE_ACTIONS or action not in case.get("can", ()) or case["version"] != version:
        return FlowResult(state, [Text("incident.refused.changed", {"number": case["number"]})])
    meta = {INCIDENT_KEY: case["id"], ACTION_KEY: action, VERSION_KEY: version}
    return _open(NOTE_FORM, state, ctx, meta, Text(f"incident.note_intro.{action}", {"number": case["number"]}))


def open_appeal(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """The candidate's appeal button: ask for the statement while the decision is open to appeal."""
    case = _case(ctx, APPEAL_NAME)
    if case is None:
        return FlowResult(state, [Text("incident.not_found")])
    if APPEAL not in case.get("can", ()):
        return FlowResult(state, [Text("incident.refused.appeal_closed", {"number": case["number"]})])
    intro = Text("incident.appeal_intro", {"number": case["number"], "limit": MAX_STATEMENT})
    return _open(APPEAL_FORM, state, ctx, {INCIDENT_KEY: case["id"]}, intro)

