"""The announcement form (R1): a filed occupation (L5), its levels, per-level conditions (R3, L2, L4), window, sites, fee.

Per-level answers are keyed by level, e.g. `min_years_4`; a level's steps apply once that level is offered.
The occupation answer keeps the filed levels it was chosen with, so `when` guards can see them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.rules import announcements as rules
from flows import announce_inputs as inputs
from flows.announce_effects import CreateAnnouncement
from flows.context import FlowContext
from flows.engine import Choice, Form, InputKind, Invalid, Step
from flows.events import ButtonPress, Event
from flows.menu import is_staff
from flows.replies import Label, Reply, Text

YES_NO = ("yes", "no")
NO_PRIOR = "none"


def _facts(ctx: FlowContext) -> dict[str, Any]:
    return ctx.facts.get("announce") or {}


def _occupations(ctx: FlowContext) -> list[dict[str, Any]]:
    return list(_facts(ctx).get("occupations") or [])


def _occupation_label(o: dict[str, Any]) -> Label:
    params = {k: o.get(k) or "" for k in ("name", "code", "work_type", "institution")}
    return Label("announce.occupation_choice", params)


def occupation_choices(ctx: FlowContext, values: dict[str, Any]) -> list[Choice]:
    """Occupations with filed levels; the institution is named when there are several."""
    several = bool(_facts(ctx).get("several"))
    return [
        Choice(str(o["id"]), _occupation_label({**o, "institution": o["institution"] if several else ""}))
        for o in _occupations(ctx)
    ]


def parse_occupation(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """The chosen occupation with the levels it is filed for (L5)."""
    assert isinstance(event, ButtonPress)
    found = next((o for o in _occupations(ctx) if str(o["id"]) == event.data), None)
    if found is None:
        raise Invalid("announce.problem.occupation_gone")
    several = bool(_facts(ctx).get("several"))
    return {**found, "institution": found["institution"] if several else ""}


def _filed(values: dict[str, Any]) -> list[int]:
    occupation = values.get("occupation")
    return [int(n) for n in occupation.get("levels", [])] if isinstance(occupation, dict) else []


def _offered(values: dict[str, Any], level: int) -> bool:
    return level in _filed(values) and values.get(f"offer_{level}") == "yes"


def _fixed(keys: tuple[str, ...], prefix: str) -> Any:
    return lambda ctx, values: [Choice(k, Label(f"{prefix}.{k}")) for k in keys]


def _prior_choices(level: int) -> Any:
    options = [Choice(NO_PRIOR, Label("announce.prior_none"))]
    options += [Choice(str(n), Label("announce.prior_level", {"level": Label(f"level.{n}")})) for n in rules.prior_options(level)]
    return lambda ctx, values: options


def _subject_choices(level: int) -> Any:
    options = [Choice("+".join(c), Label("apply.subjects_" + "_".join(c))) for c in rules.subject_options(level)]
    return lambda ctx, values: options


def _show_years(value: Any) -> Any:
    return Label("announce.years_none") if value is None else Label("announce.years", {"years": value})


def _show_lines(value: Any) -> Label:
    return Label("announce.show.sites", {"sites": list(value or [])})


def _show_fee(value: Any) -> Label:
    return Label("announce.yuan", {"fee": value})


def _per_level(n: int, field: str, kind: InputKind = InputKind.TEXT, **options: Any) -> Step:
    """A step about level n: named `<field>_<n>`, asked while n is offered unless `when` says more."""
    key = f"announce.l{n}"
    options.setdefault("when", lambda v: _offered(v, n))
    return Step(f"{field}_{n}", f"{key}.ask_{field}", kind, label=f"{key}.{field}", **options)


def _level_steps(n: int) -> tuple[Step, ...]:
    """The questions about one offered level: years, prior certificate (R3), students (L4), education, subjects (L2), text."""
    steps = [_per_level(n, "min_years", parse=inputs.min_years(n), show=_show_years)]
    if rules.prior_options(n):
        with_prior = lambda v: _offered(v, n) and v.get(f"prior_{n}", NO_PRIOR) != NO_PRIOR  # noqa: E731
        steps.append(_per_level(n, "prior", InputKind.CHOICE, choices=_prior_choices(n)))
        steps.append(_per_level(n, "alt_years", parse=inputs.alternative_years(n), when=with_prior, show=_show_years))
    if n in rules.STUDENT_LEVELS:
        steps.append(_per_level(n, "students", InputKind.CHOICE, choices=_fixed(YES_NO, "yesno")))
    steps.append(_per_level(n, "education", InputKind.CHOICE, choices=_fixed(rules.MIN_EDUCATION, "announce.education")))
    steps.append(_per_level(n, "subjects", InputKind.CHOICE, choices=_subject_choices(n)))
    steps.append(_per_level(n, "text", parse=inputs.condition_text(n)))
    return tuple(steps)


def _offer_step(n: int) -> Step:
    """Whether level n is offered; asked only for levels the occupation is filed for (L5)."""
    return _per_level(n, "offer", InputKind.CHOICE, choices=_fixed(YES_NO, "yesno"), when=lambda v: n in _filed(v))


ANNOUNCE_STEPS: tuple[Step, ...] = (
    Step(
        "occupation", "announce.ask_occupation", InputKind.CHOICE, parse=parse_occupation, choices=occupation_choices,
        label="announce.field_occupation", show=_occupation_label,
    ),
    Step("title", "announce.ask_title", parse=inputs.title, label="announce.field_title"),
    *(_offer_step(n) for n in rules.LEVELS),
    *(step for n in rules.LEVELS for step in _level_steps(n)),
    Step("start", "announce.ask_start", parse=inputs.start_date, label="announce.field_start"),
    Step("end", "announce.ask_end", parse=inputs.end_date, label="announce.field_end"),
    Step("sites", "announce.ask_sites", parse=inputs.sites, label="announce.field_sites", show=_show_lines),
    Step("fee", "announce.ask_fee", parse=inputs.fee, label="announce.field_fee", show=_show_fee),
)


def level_spec(values: dict[str, Any], n: int) -> rules.LevelSpec:
    """One offered level's conditions from the answers."""
    prior = values.get(f"prior_{n}", NO_PRIOR)
    return rules.LevelSpec(
        level=n,
        min_years=int(values.get(f"min_years_{n}") or 0),
        prior_level=None if prior in (NO_PRIOR, None) else int(prior),
        alternative_years=values.get(f"alt_years_{n}") if prior not in (NO_PRIOR, None) else None,
        students_exempt=values.get(f"students_{n}") == "yes",
        min_education=str(values.get(f"education_{n}") or "any"),
        subjects=tuple(str(values.get(f"subjects_{n}") or "").split("+")),
        text=str(values.get(f"text_{n}") or ""),
    )


def spec_from_values(values: dict[str, Any], ctx: FlowContext) -> rules.AnnouncementSpec:
    """The announcement the answers describe."""
    fallback = inputs.today(ctx).isoformat()
    return rules.AnnouncementSpec(
        title=str(values.get("title") or ""),
        levels=tuple(level_spec(values, n) for n in rules.LEVELS if _offered(values, n)),
        registration_start=date.fromisoformat(values.get("start") or fallback),
        registration_end=date.fromisoformat(values.get("end") or fallback),
        sites=tuple(values.get("sites") or ()),
        fee_yuan=int(values.get("fee") or 0),
    )


def _current_occupation(values: dict[str, Any], ctx: FlowContext) -> dict[str, Any] | None:
    chosen = values.get("occupation")
    wanted = chosen.get("id") if isinstance(chosen, dict) else None
    return next((o for o in _occupations(ctx) if o["id"] == wanted), None)


def check(values: dict[str, Any], ctx: FlowContext) -> list[Text]:
    """Every reason the announcement cannot be published now, against fresh facts; empty when it can."""
    if not is_staff(ctx.role):
        return [Text("announce.problem.not_allowed")]
    occupation = _current_occupation(values, ctx)
    if occupation is None:
        return [Text("announce.problem.occupation_gone")]
    problems: list[Text] = []
    titles = (_facts(ctx).get("titles") or {}).get(str(occupation["institution_id"]), [])
    if values.get("title") in titles:
        problems.append(Text("announce.problem.title_taken", {"title": values.get("title")}))
    spec = spec_from_values(values, ctx)
    problems += [inputs.problem_text(p) for p in rules.check(spec, tuple(occupation["levels"]), inputs.today(ctx))]
    return problems


def complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    """Publish: the service stores the announcement (status open) and audits it."""
    occupation = _current_occupation(values, ctx) or {}
    spec = spec_from_values(values, ctx)
    effect = CreateAnnouncement(
        institution_id=int(occupation["institution_id"]),
        occupation_id=int(occupation["id"]),
        title=spec.title,
        levels=spec.level_numbers(),
        conditions=spec.conditions(),
        registration_start=spec.registration_start.isoformat(),
        registration_end=spec.registration_end.isoformat(),
        sites=list(spec.sites),
        fee_yuan=spec.fee_yuan,
    )
    levels = [Label(f"level.{n}") for n in effect.levels]
    return [Text("announce.created", {"title": spec.title, "levels": levels})], [effect]


ANNOUNCE_FORM = Form(
    name="announce",
    title="announce.title",
    summary="form.summary",
    steps=ANNOUNCE_STEPS,
    complete=complete,
    check=check,
)


def unavailable(ctx: FlowContext) -> Text | None:
    """Why /announce cannot start now (not staff, or no filed occupation), or None."""
    if not is_staff(ctx.role):
        return Text("announce.problem.not_allowed")
    return None if _occupations(ctx) else Text("announce.no_occupations")
