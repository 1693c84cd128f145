"""What a registration announcement must satisfy before it is published (DOMAIN R1, R3, L2, L4, L5, O2).

Shared by the /announce form and `skillbot import-announcements`: `check` returns every problem as a machine
code with message params (rendered from `announce.problem.<code>`); an empty list means publishable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.rules.advertising import offending

LEVELS = (5, 4, 3, 2, 1)  # L1: 五级 … 一级, lowest grade first
MAX_YEARS = 50
MAX_FEE_YUAN = 100_000
TITLE_LENGTH = (4, 200)
TEXT_LENGTH = (4, 500)
SITE_LENGTH = 200
MAX_SITES = 10
STUDENT_LEVELS = (5, 4)  # L4: technical-school students only at 五级 and 四级
REVIEW_LEVELS = (2, 1)  # L2: 二级/一级 add comprehensive review (综合评审)
# Subject combinations an announcement may offer per level (L2); the first is the usual one.
SUBJECTS_BASIC: tuple[tuple[str, ...], ...] = (("theory", "practical"), ("theory",), ("practical",))
SUBJECTS_REVIEW: tuple[tuple[str, ...], ...] = (("theory", "practical", "comprehensive"), ("practical", "comprehensive"))
# The application form's education keys, lowest first; a minimum accepts itself and everything after it.
EDUCATION_LADDER = (
    "junior_high", "senior_high", "secondary_vocational", "technical_school", "junior_college", "bachelor", "postgraduate",
)
MIN_EDUCATION = ("any", "senior_high", "junior_college", "bachelor")


@dataclass(frozen=True)
class Problem:
    """One reason an announcement cannot be published: a code and params for `announce.problem.<code>`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelSpec:
    """Conditions and subjects of one offered level (R3) as published."""

    level: int
    min_years: int = 0
    prior_level: int | None = None
    alternative_years: int | None = None
    students_exempt: bool = False
    min_education: str = "any"
    subjects: tuple[str, ...] = ("theory", "practical")
    text: str = ""

    def conditions(self) -> dict[str, Any]:
        """The stored JSON shape the application form's eligibility check reads."""
        out: dict[str, Any] = {
            "text": self.text,
            "min_years": self.min_years,
            "students_exempt": self.students_exempt,
            "subjects": list(self.subjects),
        }
        if self.prior_level is not None:
            out["prior_level"] = self.prior_level
        if self.alternative_years is not None:
            out["alternative_years"] = self.alternative_years
        if self.min_education != "any":
            out["min_education"] = self.min_education
            out["education"] = list(accepted_education(self.min_education))
        return out


@dataclass(frozen=True)
class AnnouncementSpec:
    """Everything R1 asks an announcement to state, for one filed occupation."""

    title: str
    levels: tuple[LevelSpec, ...]
    registration_start: date
    registration_end: date
    sites: tuple[str, ...]
    fee_yuan: int

    def conditions(self) -> dict[str, dict[str, Any]]:
        """Per-level conditions keyed by the level number as text."""
        return {str(spec.level): spec.conditions() for spec in self.levels}

    def level_numbers(self) -> list[int]:
        """Offered levels, lowest grade (五级) first."""
        return sorted((spec.level for spec in self.levels), reverse=True)


def subject_options(level: int) -> tuple[tuple[str, ...], ...]:
    """Subject combinations allowed at a level: comprehensive review is required at 二级 and 一级 (L2)."""
    return SUBJECTS_REVIEW if level in REVIEW_LEVELS else SUBJECTS_BASIC


def prior_options(level: int) -> tuple[int, ...]:
    """Certificate levels that can be required before `level`: the lower grades (larger numbers)."""
    return tuple(n for n in LEVELS if n > level)


def accepted_education(minimum: str) -> tuple[str, ...]:
    """Education keys accepted by a minimum; empty (any) for `any`."""
    if minimum == "any":
        return ()
    return EDUCATION_LADDER[EDUCATION_LADDER.index(minimum):]


def text_problems(text: str, limits: tuple[int, int], code: str, **params: Any) -> list[Problem]:
    """Length and advertising words (O2) of a published text; `code` prefixes the problem codes."""
    if not limits[0] <= len(text) <= limits[1]:
        return [Problem(f"{code}_length", {**params, "min": limits[0], "max": limits[1]})]
    words = offending(text)
    return [Problem(f"{code}_advertising", {**params, "words": list(words)})] if words else []


def years_problem(value: int, level: int) -> Problem | None:
    """A number of years outside 0–MAX_YEARS."""
    return None if 0 <= value <= MAX_YEARS else Problem("years_range", {"level": level, "max": MAX_YEARS})


def level_problems(spec: LevelSpec) -> list[Problem]:
    """Problems of one level's conditions (R3, L2, L4)."""
    out: list[Problem] = []
    n = spec.level
    if n not in LEVELS:
        return [Problem("bad_level", {"level": n})]
    for years in (spec.min_years, spec.alternative_years):
        found = years_problem(years, n) if years is not None else None
        if found:
            out.append(found)
    if spec.prior_level is not None and spec.prior_level not in prior_options(n):
        out.append(Problem("prior_level_invalid", {"level": n}))
    if spec.alternative_years is not None:
        if spec.prior_level is None:
            out.append(Problem("alternative_without_prior", {"level": n}))
        elif spec.alternative_years <= spec.min_years:
            out.append(Problem("alternative_not_longer", {"level": n, "min_years": spec.min_years}))
    if spec.students_exempt and n not in STUDENT_LEVELS:
        out.append(Problem("students_level", {"level": n}))
    if spec.min_education not in MIN_EDUCATION:
        out.append(Problem("education_invalid", {"level": n}))
    if tuple(spec.subjects) not in subject_options(n):
        out.append(Problem("subjects_invalid" if n not in REVIEW_LEVELS else "subjects_need_review", {"level": n}))
    out += text_problems(spec.text, TEXT_LENGTH, "text", level=n)
    return out


def window_problems(start: date, end: date, today: date, kept_start: date | None = None) -> list[Problem]:
    """The registration window: start not in the past (unless unchanged on an update), end not before start."""
    out: list[Problem] = []
    if start < today and start != kept_start:
        out.append(Problem("start_past", {"today": today.isoformat()}))
    if end < start:
        out.append(Problem("end_before_start", {"start": start.isoformat()}))
    return out


def site_problems(sites: tuple[str, ...]) -> list[Problem]:
    """One to MAX_SITES exam sites, each a line of at most SITE_LENGTH characters."""
    if not sites:
        return [Problem("no_sites")]
    if len(sites) > MAX_SITES:
        return [Problem("too_many_sites", {"max": MAX_SITES})]
    if any(not site.strip() or len(site) > SITE_LENGTH for site in sites):
        return [Problem("site_length", {"max": SITE_LENGTH})]
    return []


def fee_problem(fee: int) -> Problem | None:
    """A fee outside 0–MAX_FEE_YUAN yuan."""
    return None if 0 <= fee <= MAX_FEE_YUAN else Problem("fee_range", {"max": MAX_FEE_YUAN})


def check(spec: AnnouncementSpec, filed_levels: tuple[int, ...], today: date, kept_start: date | None = None) -> list[Problem]:
    """Every problem of the announcement for an occupation filed at `filed_levels` (L5); empty = publishable."""
    out = text_problems(spec.title, TITLE_LENGTH, "title")
    if not spec.levels:
        out.append(Problem("no_levels"))
    seen: set[int] = set()
    for level in spec.levels:
        if level.level in seen:
            out.append(Problem("duplicate_level", {"level": level.level}))
        seen.add(level.level)
        if level.level in LEVELS and level.level not in filed_levels:
            out.append(Problem("level_not_filed", {"level": level.level}))
        out += level_problems(level)
    out += window_problems(spec.registration_start, spec.registration_end, today, kept_start)
    out += site_problems(spec.sites)
    fee = fee_problem(spec.fee_yuan)
    return out + ([fee] if fee else [])
