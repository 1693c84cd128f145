"""Whether an applicant may register for a level of an announced occupation (DOMAIN R3, L4, L5, R7, V2, V3).

`check` returns every refusal that applies, as machine codes with message params, most fundamental first;
an empty list means eligible. Dates are Asia/Shanghai calendar dates; the caller supplies `today`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Category = Literal["student", "employee", "social"]  # 003 附件4 人员类别: 学生 / 企业员工 / 社会人员
BanKind = Literal["V2", "V3"]

# L4 (004 一(二)(三)): technical-school students only at 五级 and 四级. Level 1 is the highest, 5 the lowest.
STUDENT_HIGHEST_LEVEL = 4

# Refusal codes, in the order `check` reports them.
REFUSAL_ORDER = (
    "level_not_filed",
    "level_not_offered",
    "window_not_open",
    "window_closed",
    "banned",
    "duplicate",
    "student_level_too_high",
    "students_not_allowed",
    "education_not_accepted",
    "prior_certificate_missing",
    "years_short",
)


@dataclass(frozen=True)
class LevelConditions:
    """Conditions for one level (R3): years in the post, a prior certificate or more years, education, students."""

    min_years: int = 0
    prior_level: int | None = None  # a held certificate at this level or better (smaller number) is needed
    alternative_years: int | None = None  # years in the post that suffice without the prior certificate
    education: tuple[str, ...] = ()  # accepted education keys; empty = any
    students_allowed: bool = True


@dataclass(frozen=True)
class AnnouncementFacts:
    """What the announcement (R1) and the body's filing (L5) say about one occupation."""

    occupation_name: str
    filed_levels: tuple[int, ...]
    offered_levels: tuple[int, ...]
    registration_start: date  # inclusive
    registration_end: date  # inclusive
    conditions: dict[int, LevelConditions] = field(default_factory=dict)


@dataclass(frozen=True)
class BanFacts:
    """A ban from an earlier violation (R7): V2 or V3, banned through `until` inclusive."""

    kind: BanKind
    until: date
    reason_code: str


@dataclass(frozen=True)
class ApplicantFacts:
    """The applicant's declared level and the facts the conditions are checked against (R4)."""

    level: int
    category: Category
    technical_school_student: bool = False  # full-time student of this body's own school (L4)
    years_in_post: float = 0.0
    held_levels: tuple[int, ...] = ()  # currently held skill certificates in this occupation
    education: str | None = None
    active_bans: tuple[BanFacts, ...] = ()
    duplicate_application_number: str | None = None  # an existing application for the same batch/level


@dataclass(frozen=True)
class Refusal:
    """One reason an application cannot be accepted: a machine code and params for the message."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


def check(ann: AnnouncementFacts, app: ApplicantFacts, today: date) -> list[Refusal]:
    """All refusals for `app` applying under `ann` on `today`, most fundamental first; empty = eligible."""
    out: list[Refusal] = []
    level = app.level
    if level not in ann.filed_levels:  # L5
        out.append(Refusal("level_not_filed", {"level": level, "occupation": ann.occupation_name}))
    if level not in ann.offered_levels:  # R1
        out.append(Refusal("level_not_offered", {"level": level, "occupation": ann.occupation_name}))
    if today < ann.registration_start:
        out.append(Refusal("window_not_open", {"start": ann.registration_start}))
    if today > ann.registration_end:
        out.append(Refusal("window_closed", {"end": ann.registration_end}))
    ban = binding_ban(app.active_bans, today)  # R7
    if ban is not None:
        out.append(Refusal("banned", {"kind": ban.kind, "until": ban.until, "reason": ban.reason_code}))
    if app.duplicate_application_number is not None:
        out.append(Refusal("duplicate", {"number": app.duplicate_application_number}))
    if app.technical_school_student and level < STUDENT_HIGHEST_LEVEL:  # L4: 五级 and 四级 only
        out.append(Refusal("student_level_too_high", {"level": level, "highest": STUDENT_HIGHEST_LEVEL}))
    cond = ann.conditions.get(level, LevelConditions())
    is_student = app.category == "student" or app.technical_school_student
    if is_student and not cond.students_allowed:
        out.append(Refusal("students_not_allowed", {"level": level}))
    if cond.education and app.education not in cond.education:
        out.append(Refusal("education_not_accepted", {"accepted": cond.education, "have": app.education}))
    if cond.prior_level is not None and not holds_level(app.held_levels, cond.prior_level):
        alternative_met = cond.alternative_years is not None and app.years_in_post >= cond.alternative_years
        if not alternative_met:
            params: dict[str, object] = {"level": cond.prior_level, "alternative_years": cond.alternative_years}
            out.append(Refusal("prior_certificate_missing", params))
    if app.years_in_post < cond.min_years:
        out.append(Refusal("years_short", {"required": cond.min_years, "have": app.years_in_post}))
    return out


def holds_level(held_levels: tuple[int, ...], required: int) -> bool:
    """True if a held certificate is at `required` or better (1 = 一级 is the highest, 5 = 五级 the lowest)."""
    return any(held <= required for held in held_levels)


def binding_ban(bans: tuple[BanFacts, ...], today: date) -> BanFacts | None:
    """The active ban (until >= today) that ends last, V3 before V2 on the same day; None if none is active."""
    active = [b for b in bans if b.until >= today]
    return max(active, key=lambda b: (b.until, b.kind == "V3"), default=None)


def ban_until(kind: str, decided: date, severe: bool = False) -> date:
    """Last banned day (inclusive) of a ban decided on `decided` (R7: V2 rest of the year, V3 2 or 5 years)."""
    if kind == "V2":
        return date(decided.year, 12, 31)  # V2: no evaluation for the rest of that year
    if kind == "V3":
        # 民法典 第二百零一、二百零二条: the period starts the day after the decision and its last day is the
        # corresponding day of the final year; without one (29 Feb in a common year) the month's last day.
        return add_years(decided, 5 if severe else 2)
    raise ValueError(f"no ban for violation kind {kind!r}")


def add_years(day: date, years: int) -> date:
    """The same month and day `years` later; 29 Feb becomes 28 Feb in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
