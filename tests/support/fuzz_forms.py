"""Flow fixtures for fuzzing: a context per form, how each form is opened, valid answers, and every step reached.

`positioned(name)` walks a form with valid answers (choices round-robin, typed answers from a pool) until every step,
the summary, the confirmation and every edit-from-summary position was reached once; each position is a stored state
whose earlier answers are all valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from typing import Any, Callable

from bot.data.demo_catalog import ANNOUNCEMENT_CONDITIONS
from bot.rules.id_numbers import make_resident_id
from flows import cert_fix, cert_query, cert_status, commands, engine, incident, incident_card, review, review_card
from flows.batch_move import NAME as MOVE_NAME
from flows.batch_move import start as start_move
from flows.context import FlowContext
from flows.engine import CONFIRM, SUMMARY, FlowResult, Form, InputKind
from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput
from flows.state import ConversationState, FormProgress

NOW = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
TODAY = NOW.date().isoformat()
RESIDENT = make_resident_id("360102", date(1990, 5, 20), 123)
OTHER_RESIDENT = make_resident_id("360103", date(1985, 3, 14), 213)
STORED_RESIDENT = make_resident_id("360102", date(1985, 3, 14), 211)
TICKET = "26000140001"
CANDIDATE_ROLE, STAFF_ROLE, PROCTOR_ROLE = "candidate", "staff", "proctor"

APPLY_ANNOUNCEMENT = {
    "id": 7, "title": "2026 electrician", "occupation_id": 1, "occupation": "电工", "work_type": "",
    "filed_levels": [5, 4, 3], "levels": [5, 4, 3], "start": "2026-11-01", "end": "2026-12-31",
    "conditions": ANNOUNCEMENT_CONDITIONS, "sites": ["A"], "fee": 200,
}
OCCUPATION = {"id": 3, "institution_id": 1, "institution": "南昌赣江技工学校", "code": "6-31-01-03", "name": "电工", "work_type": "",
              "levels": [5, 4, 3, 2, 1]}
BATCH_ANNOUNCEMENT = {"id": 7, "title": "t", "levels": [4], "subjects": {"4": ["theory", "practical"]}}
MOVE_SESSION = {"id": 5, "subject": "theory", "site": "1号楼", "start_iso": "2026-12-20T09:00", "end_iso": "2026-12-20T10:30",
                "rooms": [{"id": 11, "name": "301"}, {"id": 12, "name": "302"}]}
CERTIFICATE = {"id": 1, "number": "1234567890123456", "status": "valid", "version": 1, "holder_name": "王小明", "id_type": "201",
               "id_number": STORED_RESIDENT, "level": 4, "issue_date": "2024-06-30", "work_unit": "", "occupation": "电工",
               "work_type": "", "evaluator": "", "issuer": "学校"}
TICKET_CANDIDATE = {"ticket_id": 1, "number": TICKET, "name": "张*", "batch": "B", "session_id": 2, "room_id": 3, "room": "301",
                    "seat": 7, "kind": "desk", "subject": "theory", "date": "2026-06-15", "time": "09:00-10:30", "site": "1号楼"}
CASE = {"id": 9, "number": "WJ2026-000009", "version": 3, "can": [*incident_card.NOTE_ACTIONS, incident_card.APPEAL]}
REVIEW_CARD: dict[str, Any] = {
    "id": 31, "number": "SQ2026000031", "status": "submitted", "user_id": 42, "occupation": "电工", "work_type": "",
    "level": 4, "name": "张三", "gender": "male", "birth": "1990-05-20", "id_type": "201", "id_masked": "3601**********1233",
    "mobile_masked": "138****8000", "category": "employee", "work_unit": "南昌电力维修公司", "education": "senior_high",
    "major": "电气", "held": [], "post": "维修电工", "years": 5.0, "subjects": ["theory", "practical"],
    "submitted": "2026-11-23 10:30", "photo": {"file_id": "PH"}, "documents": [{"kind": "document", "file_id": "D1"}], "note": None,
}

VALID_TEXTS = (
    "张三", "王晓明", "Li Lei", RESIDENT, "E12345678", "13800138000", "南昌电力维修公司", "1", "4", "6", "10", "５",
    "S000036010027195000123", "2026-12-01", "2026-12-20", "2019-06-30", "2023-05-01", "1990-05-20",
    "2027年第一批电工认定报名公告", "累计从事本职业工作1年以上；或本校全日制在籍学生。", "实训楼A座\n教学楼三楼", "２００元",
    "2026年第一批电工四级", "理论 2026-12-20 09:00-10:30 A楼\n实操 2026-12-20 14:00-16:00 B楼", "理论 301 单人单桌 30\n实操 Lab-A 工位 12",
    "2026-12-21 09:00-10:30", "303", "303 单人单桌 30", OTHER_RESIDENT, TICKET, "考生携带手机进入考场。", "南昌新单位",
)
VALID_PHOTO = FileInput("photo", "AgAC-photo", "ph-u", 50_000, "image/jpeg", None, 413, 579)


@dataclass(frozen=True)
class Subject:
    """A flow under fuzz: its context and how a user gets into it."""

    name: str
    ctx: FlowContext
    open: Callable[[ConversationState, FlowContext], FlowResult]


def _ctx(role: str, facts: dict[str, Any], user_id: int = 7) -> FlowContext:
    return FlowContext(user_id, user_id, role, "zh_CN", NOW, {"prefill": {}, **facts})


def _by_command(name: str) -> Callable[[ConversationState, FlowContext], FlowResult]:
    return lambda state, ctx: commands.open_form(name, state, ctx)


def _cert_facts(name: str) -> dict[str, Any]:
    return {name: {"today": TODAY, "certificate": dict(CERTIFICATE)}}


SUBJECTS: dict[str, Subject] = {s.name: s for s in (
    Subject("profile", _ctx(CANDIDATE_ROLE, {}), _by_command("profile")),
    Subject("apply", _ctx(CANDIDATE_ROLE, {"apply": {"today": TODAY, "announcements": [APPLY_ANNOUNCEMENT], "next_number": "SQ2026000001",
                                                     "bans": [], "duplicate": None}}), _by_command("apply")),
    Subject("announce", _ctx(STAFF_ROLE, {"announce": {"today": TODAY, "occupations": [OCCUPATION], "several": False, "titles": {}}}),
            _by_command("announce")),
    Subject("batch", _ctx(STAFF_ROLE, {"batch": {"today": TODAY, "announcements": [BATCH_ANNOUNCEMENT]}}), _by_command("batch")),
    Subject(MOVE_NAME, _ctx(STAFF_ROLE, {MOVE_NAME: {"today": TODAY, "session": MOVE_SESSION}}),
            lambda state, ctx: start_move(state, ctx, MOVE_SESSION["id"])),
    Subject(cert_fix.NAME, _ctx(STAFF_ROLE, _cert_facts(cert_fix.NAME)), cert_fix.start),
    *(Subject(form.name, _ctx(STAFF_ROLE, _cert_facts(form.name)), lambda state, ctx, action=action: cert_status.start(state, ctx, action))
      for action, form in cert_status.FORMS.items()),
    Subject(incident.NAME, _ctx(PROCTOR_ROLE, {incident.NAME: {"next_number": "WJ2026-000001"},
                                              incident.LOOKUP: {"query": TICKET, "candidate": TICKET_CANDIDATE}}), incident.start_report),
    Subject(incident.NOTE_NAME, _ctx(STAFF_ROLE, {incident.NOTE_NAME: {"incident": CASE}}),
            lambda state, ctx: incident.open_note(state, ctx, incident_card.REJECT, CASE["version"])),
    Subject(incident.APPEAL_NAME, _ctx(CANDIDATE_ROLE, {incident.APPEAL_NAME: {"incident": CASE}}), incident.open_appeal),
    Subject(review.NAME, _ctx(STAFF_ROLE, {review.NAME: {"card": REVIEW_CARD, "queue": 3}}), lambda state, ctx: review.show(state, ctx)),
    Subject(cert_query.NAME, _ctx(CANDIDATE_ROLE, {cert_query.FACTS: {}}),
            lambda state, ctx: cert_query.command(state, Command(cert_query.NAME), ctx)),
)}
FORM_SUBJECTS = tuple(name for name in SUBJECTS if name in commands.FORMS)


def _choice_events(form: Form, progress: FormProgress, ctx: FlowContext, used: dict[tuple[str, str], int]) -> list[Event]:
    step = form.step(progress.step)
    options = [c.value for c in step.choices(ctx, progress.values)] if step.choices else []
    options.sort(key=lambda value: used.get((step.name, value), 0))
    return [ButtonPress(engine.nav("c", f"{step.name}:{value}")) for value in options]


def _answers(form: Form, progress: FormProgress, ctx: FlowContext, used: dict[tuple[str, str], int]) -> list[Event]:
    """Candidate valid answers for the step the form is at, least used choices first."""
    kind = form.step(progress.step).kind
    if kind is InputKind.CHOICE:
        return _choice_events(form, progress, ctx, used)
    if kind is InputKind.FILE:
        return [VALID_PHOTO]
    if kind is InputKind.FILES:
        return [ButtonPress(engine.nav("done"))] if progress.values.get(progress.step) else [VALID_PHOTO]
    if kind is InputKind.CONTACT:
        return [ContactShared("13800138000", own=True)]
    return [TextInput(text) for text in VALID_TEXTS]


def _walk(subject: Subject, form: Form, used: dict[tuple[str, str], int], found: dict[tuple[str, bool], ConversationState]) -> None:
    """One walk from opening the form to its summary (or until no answer advances), recording new positions."""
    state = subject.open(ConversationState(), subject.ctx).state
    for _ in range(len(form.steps) * 3):
        progress = state.forms[form.name]
        found.setdefault((progress.step, progress.editing), state)
        if progress.step in (SUMMARY, CONFIRM):
            break
        for event in _answers(form, progress, subject.ctx, used):
            answered = commands.on_input(state, event, subject.ctx).state
            after = answered.forms.get(form.name)
            if after is not None and after != progress:
                if isinstance(event, ButtonPress):
                    key = (progress.step, event.data.rsplit(":", 1)[-1])
                    used[key] = used.get(key, 0) + 1
                state = answered
                break
        else:
            return
    _from_summary(subject, form, state, found)


def _from_summary(subject: Subject, form: Form, state: ConversationState, found: dict[tuple[str, bool], ConversationState]) -> None:
    """Every edit position of the summary, and the confirmation step when the form has one."""
    progress = state.forms[form.name]
    if progress.step != SUMMARY:
        return
    for step in form.applicable(progress.values):
        if step.editable and step.name in progress.values and (step.name, True) not in found:
            found[(step.name, True)] = commands.on_input(state, ButtonPress(engine.nav("e", step.name)), subject.ctx).state
    if form.confirm is not None and (CONFIRM, False) not in found:
        confirmed = commands.on_input(state, ButtonPress(engine.nav("ok")), subject.ctx).state
        if confirmed.forms[form.name].step == CONFIRM:
            found[(CONFIRM, False)] = confirmed


@cache
def positioned(name: str) -> dict[tuple[str, bool], ConversationState]:
    """States at every step of a form (key: step, editing-from-summary), each with valid earlier answers."""
    subject, form = SUBJECTS[name], commands.FORMS[name]
    wanted = {s.name for s in form.steps} | {SUMMARY} | ({CONFIRM} if form.confirm else set())
    found: dict[tuple[str, bool], ConversationState] = {}
    used: dict[tuple[str, str], int] = {}
    for _ in range(80):
        _walk(subject, form, used, found)
        if wanted <= {step for step, _ in found}:
            break
    return found


def review_positions() -> dict[str, ConversationState]:
    """The review queue: no decision pending, a templated reason waiting for a note, the free-text reason."""
    subject = SUBJECTS[review.NAME]
    shown = subject.open(ConversationState(), subject.ctx).state
    card = REVIEW_CARD["id"]
    templated = review.on_button(shown, review_card.data("r", review_card.REJECT, card, review_card.REASONS[review_card.REJECT][0]), subject.ctx).state
    other = review.on_button(shown, review_card.data("r", review_card.SUPPLEMENT, card, review_card.OTHER), subject.ctx).state
    return {"card": shown, "note": templated, "note_other": other}


def cert_query_positions() -> dict[str, ConversationState]:
    """The certificate query: asking, one value kept, a pair ready for the search button."""
    subject = SUBJECTS[cert_query.NAME]
    asking = subject.open(ConversationState(), subject.ctx).state
    one = cert_query.on_input(asking, TextInput("张三"), subject.ctx).state
    ready = cert_query.on_input(one, TextInput(RESIDENT), subject.ctx).state
    return {"ask": asking, "one": one, "ready": ready}
