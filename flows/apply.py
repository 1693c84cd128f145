"""The application form (申报表, R4) with eligibility checks (R3, L4, L5, R7) and the pledge (R6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

from bot.pii import mask_id_number, mask_phone
from bot.rules import eligibility
from bot.rules.id_types import ID_TYPES
from bot.rules.identity import IdProblem, parse_id
from flows import apply_inputs as inputs
from flows.context import FlowContext
from flows.engine import Choice, Form, InputKind, Invalid, Step
from flows.events import ButtonPress, Event, TextInput
from flows.profile import parse_mobile, parse_name
from flows.replies import Label, Reply, Text

RESIDENT_ID = "201"
LEVELS = (5, 4, 3, 2, 1)
SUBJECTS = ("theory", "practical", "comprehensive")
CATEGORIES = ("student", "employee", "social")
EDUCATION = ("junior_high", "senior_high", "secondary_vocational", "technical_school", "junior_college", "bachelor", "postgraduate")
HELD = ("none", "qualification", "skill", "title")
TITLE_LEVELS = ("junior", "intermediate", "senior")


@dataclass(frozen=True)
class SubmitApplication:
    """Effect: store the submitted form and the pledge acceptance under `number`."""

    number: str
    values: dict[str, Any]


def _facts(ctx: FlowContext) -> dict[str, Any]:
    return ctx.facts.get("apply") or {}


def _announcement(ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any] | None:
    wanted = str(values.get("announcement", ""))
    return next((a for a in _facts(ctx).get("announcements", []) if str(a["id"]) == wanted), None)


def _conditions(ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    announcement = _announcement(ctx, values) or {}
    return dict((announcement.get("conditions") or {}).get(str(values.get("level", "")), {}) or {})


def _today(ctx: FlowContext) -> date:
    return date.fromisoformat(_facts(ctx).get("today") or ctx.now.date().isoformat())


def announcement_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """Open announcements."""
    return [Choice(str(a["id"]), Label(raw=a["title"])) for a in _facts(ctx).get("announcements", [])]


def level_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """Levels the chosen announcement offers, highest number (五级) first."""
    announcement = _announcement(ctx, values) or {}
    return [Choice(str(n), Label(f"level.{n}")) for n in sorted(announcement.get("levels", []), reverse=True)]


def subject_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """Every non-empty combination of the level's subjects (all of them first, then retakes)."""
    subjects = [s for s in SUBJECTS if s in (_conditions(ctx, values).get("subjects") or ["theory", "practical"])]
    combos = [c for size in range(len(subjects), 0, -1) for c in combinations(subjects, size)]
    return [Choice("+".join(c), Label("apply.subjects_" + "_".join(c))) for c in combos]


def _fixed(keys: tuple[str, ...], prefix: str) -> Any:
    return lambda ctx, values: [Choice(k, Label(f"{prefix}.{k}")) for k in keys]


def parse_announcement(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """An open announcement whose registration window is open today."""
    assert isinstance(event, ButtonPress)
    announcement = _announcement(ctx, {"announcement": event.data}) or {}
    today = _today(ctx).isoformat()
    if today < announcement.get("start", today):
        raise Invalid("apply.refused.window_not_open", start=announcement["start"])
    if today > announcement.get("end", today):
        raise Invalid("apply.refused.window_closed", end=announcement["end"])
    return event.data


def parse_level(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """A level the body filed for this occupation (L5) and the announcement offers."""
    assert isinstance(event, ButtonPress)
    announcement = _announcement(ctx, values) or {}
    if int(event.data) not in announcement.get("filed_levels", []):
        raise Invalid("apply.refused.level_not_filed", level=Label(f"level.{event.data}"))
    return event.data


def parse_identity(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """ID number validated for its type (R5); for 居民身份证 birth date and gender come from it."""
    assert isinstance(event, TextInput)
    try:
        parsed = parse_id(values.get("id_type", RESIDENT_ID), event.text, _today(ctx))
    except IdProblem as problem:
        raise Invalid(f"apply.id.{problem.code}", **problem.params) from None
    return {
        "number": parsed.number,
        "birth": parsed.birth_date.isoformat() if parsed.birth_date else None,
        "gender": parsed.gender,
    }


def parse_school_student(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """L4: a full-time student of this school may apply for 五级 and 四级 only."""
    assert isinstance(event, ButtonPress)
    if event.data == "yes" and int(values.get("level", 5)) < 4:
        raise Invalid("apply.refused.student_level_too_high", level=Label(f"level.{values.get('level')}"))
    return event.data


def _not_resident(values: dict[str, Any]) -> bool:
    return values.get("id_type") != RESIDENT_ID


def _holds(*kinds: str) -> Any:
    return lambda values: values.get("held_cert") in kinds


def _show_identity(value: Any) -> str:
    return mask_id_number(value.get("number")) if isinstance(value, dict) else ""


def _show_files(value: Any) -> Label:
    return Label("apply.files_count", {"count": len(value or [])})


def _show_photo(value: Any) -> Label:
    return Label("apply.photo_received")


APPLY_STEPS = (
    Step("announcement", "apply.ask_announcement", InputKind.CHOICE, parse=parse_announcement, choices=announcement_choices, label="apply.field_announcement"),
    Step("level", "apply.ask_level", InputKind.CHOICE, parse=parse_level, choices=level_choices, label="apply.field_level"),
    Step("name", "apply.ask_name", parse=parse_name, label="apply.field_name"),
    Step("id_type", "apply.ask_id_type", InputKind.CHOICE, choices=lambda ctx, v: [Choice(t.code, Label(f"id_type.{t.code}")) for t in ID_TYPES], label="apply.field_id_type"),
    Step("id_number", "apply.ask_id_number", parse=parse_identity, label="apply.field_id_number", show=_show_identity),
    Step("birth_date", "apply.ask_birth_date", parse=inputs.past_date, when=_not_resident, label="apply.field_birth_date"),
    Step("gender", "apply.ask_gender", InputKind.CHOICE, choices=_fixed(("male", "female"), "gender"), when=_not_resident, label="apply.field_gender"),
    Step("mobile", "apply.ask_mobile", InputKind.CONTACT, parse=parse_mobile, label="apply.field_mobile", show=mask_phone),
    Step("category", "apply.ask_category", InputKind.CHOICE, choices=_fixed(CATEGORIES, "category"), label="apply.field_category"),
    Step("school_student", "apply.ask_school_student", InputKind.CHOICE, parse=parse_school_student, choices=_fixed(("yes", "no"), "yesno"), when=lambda v: v.get("category") == "student", label="apply.field_school_student"),
    Step("work_unit", "apply.ask_work_unit", parse=inputs.short_text(128), label="apply.field_work_unit"),
    Step("education", "apply.ask_education", InputKind.CHOICE, choices=_fixed(EDUCATION, "education"), label="apply.field_education"),
    Step("major", "apply.ask_major", parse=inputs.short_text(64), label="apply.field_major"),
    Step("held_cert", "apply.ask_held_cert", InputKind.CHOICE, choices=_fixed(HELD, "held"), label="apply.field_held_cert"),
    Step("held_level", "apply.ask_held_level", InputKind.CHOICE, choices=lambda ctx, v: [Choice(str(n), Label(f"level.{n}")) for n in LEVELS], when=_holds("qualification", "skill"), label="apply.field_held_level"),
    Step("held_title_level", "apply.ask_held_title_level", InputKind.CHOICE, choices=_fixed(TITLE_LEVELS, "title_level"), when=_holds("title"), label="apply.field_held_level"),
    Step("held_name", "apply.ask_held_name", parse=inputs.short_text(64), when=_holds("qualification", "skill", "title"), label="apply.field_held_name"),
    Step("held_number", "apply.ask_held_number", parse=inputs.certificate_number, when=_holds("qualification", "skill", "title"), label="apply.field_held_number"),
    Step("held_date", "apply.ask_held_date", parse=inputs.past_date, when=_holds("qualification", "skill", "title"), label="apply.field_held_date"),
    Step("held_issuer", "apply.ask_held_issuer", parse=inputs.short_text(128), when=_holds("qualification", "skill", "title"), label="apply.field_held_issuer"),
    Step("post", "apply.ask_post", parse=inputs.short_text(64), label="apply.field_post"),
    Step("years", "apply.ask_years", parse=inputs.years, label="apply.field_years", show=lambda v: int(v) if float(v).is_integer() else v),
    Step("subjects", "apply.ask_subjects", InputKind.CHOICE, choices=subject_choices, label="apply.field_subjects"),
    Step("photo", "apply.ask_photo", InputKind.FILE, parse=inputs.photo, label="apply.field_photo", show=_show_photo),
    Step("documents", "apply.ask_documents", InputKind.FILES, parse=inputs.document, label="apply.field_documents", show=_show_files, max_items=10, optional=True),
)

PLEDGE_STEP = Step("pledge", "apply.pledge_text", InputKind.CHOICE, choices=lambda ctx, v: [Choice("accept", Label("apply.pledge_accept"))])


def applicant_facts(values: dict[str, Any], ctx: FlowContext) -> eligibility.ApplicantFacts:
    """What eligibility needs to know about the applicant, from the form and the stored facts."""
    facts = _facts(ctx)
    held = ()
    if values.get("held_cert") in ("qualification", "skill") and values.get("held_level"):
        held = (int(values["held_level"]),)
    bans = tuple(
        eligibility.BanFacts(kind=b["kind"], until=date.fromisoformat(b["until"]), reason_code=b.get("reason", ""))
        for b in facts.get("bans", [])
    )
    return eligibility.ApplicantFacts(
        level=int(values.get("level", 5)),
        category=str(values.get("category", "social")),
        technical_school_student=values.get("school_student") == "yes",
        years_in_post=float(values.get("years", 0)),
        held_levels=held,
        education=values.get("education"),
        active_bans=bans,
        duplicate_application_number=facts.get("duplicate"),
    )


def announcement_facts(ctx: FlowContext, values: dict[str, Any]) -> eligibility.AnnouncementFacts | None:
    """The chosen announcement as eligibility facts (None when it is no longer open)."""
    a = _announcement(ctx, values)
    if a is None:
        return None
    conditions = {}
    for level, raw in (a.get("conditions") or {}).items():
        raw = raw if isinstance(raw, dict) else {}
        conditions[int(level)] = eligibility.LevelConditions(
            min_years=int(raw.get("min_years", 0)),
            prior_level=raw.get("prior_level"),
            alternative_years=raw.get("alternative_years"),
            education=tuple(raw.get("education", ())),
            students_allowed=bool(raw.get("students_allowed", True)),
        )
    return eligibility.AnnouncementFacts(
        occupation_name=a["occupation"],
        filed_levels=tuple(a["filed_levels"]),
        offered_levels=tuple(a["levels"]),
        registration_start=date.fromisoformat(a["start"]),
        registration_end=date.fromisoformat(a["end"]),
        conditions=conditions,
    )


def check(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Every reason the form cannot be submitted now (precise, localized); empty when it can."""
    announcement = announcement_facts(ctx, values)
    if announcement is None:
        return [Text("apply.refused.announcement_gone")]
    problems: list[Text] = []
    applicant = applicant_facts(values, ctx)
    exempt = applicant.technical_school_student and bool(_conditions(ctx, values).get("students_exempt"))
    for refusal in eligibility.check(announcement, applicant, _today(ctx)):
        if exempt and refusal.code in ("years_short", "prior_certificate_missing"):
            continue  # R3 as published: full-time students of the school qualify without work years
        params = dict(refusal.params)
        if isinstance(params.get("have"), float) and float(params["have"]).is_integer():
            params["have"] = int(params["have"])
        if "level" in params:
            params["level"] = Label(f"level.{params['level']}")
        problems.append(Text(f"apply.refused.{refusal.code}", params))
    allowed = {c.value for c in subject_choices(ctx, values)}
    if values.get("subjects") not in allowed:
        problems.append(Text("apply.subjects_changed"))
    return problems


def complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Submit: the service stores the application and the pledge; the candidate gets the receipt number."""
    number = _facts(ctx).get("next_number", "")
    stored = {k: v for k, v in values.items() if k != "pledge"}
    return [Text("apply.submitted", {"number": number})], [SubmitApplication(number=number, values=stored)]


APPLY_FORM = Form(
    name="apply",
    title="apply.title",
    summary="form.summary",
    steps=APPLY_STEPS,
    complete=complete,
    confirm=PLEDGE_STEP,
    check=check,
)


def unavailable(ctx: FlowContext) -> Text | None:
    """Why /apply cannot start now (no open announcement), or None."""
    return None if _facts(ctx).get("announcements") else Text("apply.no_announcements")
