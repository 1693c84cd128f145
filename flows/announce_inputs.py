"""Parsers of the announcement form's typed answers, and problems (bot.rules.announcements) as replies."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable

from bot.normalize import compact
from bot.rules import announcements as rules
from flows.apply_inputs import parse_date
from flows.context import FlowContext
from flows.engine import Invalid
from flows.events import Event, TextInput
from flows.replies import Label, Text

Parser = Callable[[Event, FlowContext, dict[str, Any]], Any]
_LEVEL_PARAMS = ("level", "prior_level")
_NUMBER_SUFFIXES = ("年", "years", "year", "元", "yuan", "rmb")


def problem_params(problem: rules.Problem) -> dict[str, Any]:
    """Message params of a problem, level numbers shown as their localized names."""
    params = dict(problem.params)
    for key in _LEVEL_PARAMS:
        if isinstance(params.get(key), int) and params[key] in rules.LEVELS:
            params[key] = Label(f"level.{params[key]}")
    return params


def problem_text(problem: rules.Problem) -> Text:
    """A problem as a reply."""
    return Text(f"announce.problem.{problem.code}", problem_params(problem))


def invalid(problem: rules.Problem) -> Invalid:
    """A problem as a rejected answer (the form asks again)."""
    return Invalid(f"announce.problem.{problem.code}", **problem_params(problem))


def today(ctx: FlowContext) -> date:
    """The local calendar date the service computed (falls back to the UTC date)."""
    raw = (ctx.facts.get("announce") or {}).get("today")
    return date.fromisoformat(raw) if raw else ctx.now.date()


def _text(event: Event) -> str:
    """Typed text as published: spaces collapsed, Chinese punctuation kept (no NFKC)."""
    assert isinstance(event, TextInput)
    return re.sub(r"[ \t\u3000]+", " ", event.text).strip()


def _number(event: Event) -> int | None:
    raw = compact(_text(event)).lower().lstrip("¥￥")
    for suffix in _NUMBER_SUFFIXES:
        raw = raw.removesuffix(suffix)
    return int(raw) if raw.isascii() and raw.isdigit() else None


def title(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """The announcement title: 4–200 characters without advertising words (O2)."""
    value = re.sub(r"\s+", " ", _text(event))
    problems = rules.text_problems(value, rules.TITLE_LENGTH, "title")
    if problems:
        raise invalid(problems[0])
    return value


def condition_text(level: int) -> Parser:
    """Parser of a level's published condition text: 4–500 characters without advertising words (O2)."""

    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
        value = _text(event)
        problems = rules.text_problems(value, rules.TEXT_LENGTH, "text", level=level)
        if problems:
            raise invalid(problems[0])
        return value

    return parse


def min_years(level: int) -> Parser:
    """Parser of the minimum years in the post: a whole number 0–50."""

    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int:
        value = _number(event)
        if value is None or rules.years_problem(value, level):
            raise invalid(rules.Problem("years_range", {"level": level, "max": rules.MAX_YEARS}))
        return value

    return parse


def alternative_years(level: int) -> Parser:
    """Parser of the years that suffice without the prior certificate: 0 for none, else more than the minimum."""

    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int | None:
        value = _number(event)
        if value is None or rules.years_problem(value, level):
            raise invalid(rules.Problem("years_range", {"level": level, "max": rules.MAX_YEARS}))
        minimum = int(values.get(f"min_years_{level}") or 0)
        if value and value <= minimum:
            raise invalid(rules.Problem("alternative_not_longer", {"level": level, "min_years": minimum}))
        return value or None

    return parse


def start_date(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """First registration day: not in the past."""
    value = parse_date(_text(event))
    problems = rules.window_problems(value, value, today(ctx))
    if problems:
        raise invalid(problems[0])
    return value.isoformat()


def end_date(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """Last registration day: not before the first."""
    value = parse_date(_text(event))
    start = date.fromisoformat(values.get("start") or today(ctx).isoformat())
    if value < start:
        raise invalid(rules.Problem("end_before_start", {"start": start.isoformat()}))
    return value.isoformat()


def sites(event: Event, ctx: FlowContext, values: dict[str, Any]) -> list[str]:
    """Exam sites, one per line."""
    assert isinstance(event, TextInput)
    lines = tuple(re.sub(r"\s+", " ", line).strip() for line in event.text.splitlines())
    found = tuple(line for line in lines if line)
    problems = rules.site_problems(found)
    if problems:
        raise invalid(problems[0])
    return list(found)


def fee(event: Event, ctx: FlowContext, values: dict[str, Any]) -> int:
    """The fee in whole yuan, 0–100000."""
    value = _number(event)
    problem = rules.fee_problem(value) if value is not None else rules.Problem("fee_range", {"max": rules.MAX_FEE_YUAN})
    if problem:
        raise invalid(problem)
    assert value is not None
    return value
