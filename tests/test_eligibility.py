"""Eligibility checks for an application (DOMAIN R3, L4, L5, R7, V2, V3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.rules.eligibility import (
    REFUSAL_ORDER,
    AnnouncementFacts,
    ApplicantFacts,
    BanFacts,
    LevelConditions,
    Refusal,
    add_years,
    ban_until,
    check,
    holds_level,
)

TODAY = date(2026, 11, 23)

ANN = AnnouncementFacts(
    occupation_name="电工",
    filed_levels=(5, 4, 3),
    offered_levels=(5, 4, 3),
    registration_start=date(2026, 11, 1),
    registration_end=date(2026, 11, 30),
    conditions={
        5: LevelConditions(),
        # e.g. 四级: 五级 certificate + 4 years, or 6 years without it
        4: LevelConditions(min_years=4, prior_level=5, alternative_years=6),
        3: LevelConditions(min_years=5, prior_level=4, education=("technician_college", "junior_college")),
    },
)
APP = ApplicantFacts(level=5, category="social")


def codes(refusals: list[Refusal]) -> list[str]:
    return [r.code for r in refusals]


def test_eligible() -> None:
    assert check(ANN, APP, TODAY) == []
    four = replace(APP, level=4, held_levels=(5,), years_in_post=4)
    assert check(ANN, four, TODAY) == []


def test_level_not_filed() -> None:
    ann = replace(ANN, offered_levels=(5, 4, 3, 2))
    out = check(ann, replace(APP, level=2), TODAY)
    assert out == [Refusal("level_not_filed", {"level": 2, "occupation": "电工"})]


def test_level_not_offered() -> None:
    ann = replace(ANN, offered_levels=(5, 4))
    out = check(ann, replace(APP, level=3, held_levels=(4,), years_in_post=5, education="junior_college"), TODAY)
    assert out == [Refusal("level_not_offered", {"level": 3, "occupation": "电工"})]


def test_registration_window_inclusive() -> None:
    assert check(ANN, APP, ANN.registration_start) == []
    assert check(ANN, APP, ANN.registration_end) == []
    assert check(ANN, APP, date(2026, 10, 31)) == [Refusal("window_not_open", {"start": date(2026, 11, 1)})]
    assert check(ANN, APP, date(2026, 12, 1)) == [Refusal("window_closed", {"end": date(2026, 11, 30)})]


@pytest.mark.parametrize("level, refused", [(5, False), (4, False), (3, True), (2, True), (1, True)])
def test_l4_technical_school_students_only_levels_5_and_4(level: int, refused: bool) -> None:
    ann = replace(ANN, filed_levels=(5, 4, 3, 2, 1), offered_levels=(5, 4, 3, 2, 1), conditions={})
    student = ApplicantFacts(level=level, category="student", technical_school_student=True)
    out = codes(check(ann, student, TODAY))
    assert out == (["student_level_too_high"] if refused else [])
    other = replace(student, technical_school_student=False)
    assert check(ann, other, TODAY) == []


def test_student_level_too_high_params() -> None:
    student = ApplicantFacts(
        level=3,
        category="student",
        technical_school_student=True,
        held_levels=(4,),
        years_in_post=5,
        education="technician_college",
    )
    assert check(ANN, student, TODAY) == [Refusal("student_level_too_high", {"level": 3, "highest": 4})]


def test_students_not_allowed() -> None:
    ann = replace(ANN, conditions={5: LevelConditions(students_allowed=False)})
    assert codes(check(ann, replace(APP, category="student"), TODAY)) == ["students_not_allowed"]
    assert codes(check(ann, replace(APP, technical_school_student=True), TODAY)) == ["students_not_allowed"]
    assert check(ann, replace(APP, category="employee"), TODAY) == []


def test_years_short() -> None:
    out = check(ANN, replace(APP, level=4, held_levels=(5,), years_in_post=3.5), TODAY)
    assert out == [Refusal("years_short", {"required": 4, "have": 3.5})]


def test_prior_certificate_missing() -> None:
    out = check(ANN, replace(APP, level=4, years_in_post=5), TODAY)
    assert out == [Refusal("prior_certificate_missing", {"level": 5, "alternative_years": 6})]


def test_prior_certificate_at_a_better_level_counts() -> None:
    assert holds_level((4,), 5) and holds_level((5,), 5) and not holds_level((5,), 4) and not holds_level((), 5)
    assert check(ANN, replace(APP, level=4, held_levels=(3,), years_in_post=4), TODAY) == []


def test_alternative_years_replace_the_prior_certificate() -> None:
    assert check(ANN, replace(APP, level=4, years_in_post=6), TODAY) == []
    assert codes(check(ANN, replace(APP, level=4, years_in_post=5.9), TODAY)) == ["prior_certificate_missing"]
    no_alternative = replace(ANN, conditions={4: LevelConditions(min_years=4, prior_level=5)})
    out = check(no_alternative, replace(APP, level=4, years_in_post=30), TODAY)
    assert out == [Refusal("prior_certificate_missing", {"level": 5, "alternative_years": None})]


def test_education_not_accepted() -> None:
    app = replace(APP, level=3, held_levels=(4,), years_in_post=5, education="high_school")
    accepted = ("technician_college", "junior_college")
    out = check(ANN, app, TODAY)
    assert out == [Refusal("education_not_accepted", {"accepted": accepted, "have": "high_school"})]
    assert codes(check(ANN, replace(app, education=None), TODAY)) == ["education_not_accepted"]
    assert check(ANN, replace(app, education="junior_college"), TODAY) == []


def test_banned_until_is_inclusive() -> None:
    ban = BanFacts("V2", TODAY, "cheating_device")
    out = check(ANN, replace(APP, active_bans=(ban,)), TODAY)
    assert out == [Refusal("banned", {"kind": "V2", "until": TODAY, "reason": "cheating_device"})]
    expired = BanFacts("V3", date(2026, 11, 22), "impersonation")
    assert check(ANN, replace(APP, active_bans=(expired,)), TODAY) == []


def test_banned_reports_the_ban_that_ends_last() -> None:
    bans = (
        BanFacts("V2", date(2026, 12, 31), "copying"),
        BanFacts("V3", date(2028, 5, 1), "false_pledge"),
        BanFacts("V3", date(2020, 1, 1), "old"),
    )
    out = check(ANN, replace(APP, active_bans=bans), TODAY)
    assert out == [Refusal("banned", {"kind": "V3", "until": date(2028, 5, 1), "reason": "false_pledge"})]


def test_duplicate() -> None:
    out = check(ANN, replace(APP, duplicate_application_number="A2026-0042"), TODAY)
    assert out == [Refusal("duplicate", {"number": "A2026-0042"})]


def test_all_refusals_in_stable_order() -> None:
    ann = replace(
        ANN,
        filed_levels=(5,),
        offered_levels=(5,),
        conditions={
            3: LevelConditions(min_years=5, prior_level=4, education=("junior_college",), students_allowed=False)
        },
    )
    app = ApplicantFacts(
        level=3,
        category="student",
        technical_school_student=True,
        years_in_post=1,
        education="middle_school",
        active_bans=(BanFacts("V2", date(2026, 12, 31), "copying"),),
        duplicate_application_number="A1",
    )
    got = codes(check(ann, app, date(2026, 12, 5)))
    expected = [c for c in REFUSAL_ORDER if c != "window_not_open"]
    assert got == expected
    assert codes(check(ann, app, date(2026, 10, 1))) == [c for c in REFUSAL_ORDER if c != "window_closed"]


def test_ban_until_v2_rest_of_the_year() -> None:
    assert ban_until("V2", date(2026, 3, 15)) == date(2026, 12, 31)
    assert ban_until("V2", date(2026, 12, 31), severe=True) == date(2026, 12, 31)


def test_ban_until_v3_two_or_five_years() -> None:
    assert ban_until("V3", date(2026, 3, 15)) == date(2028, 3, 15)
    assert ban_until("V3", date(2026, 3, 15), severe=True) == date(2031, 3, 15)


def test_ban_until_29_february() -> None:
    assert ban_until("V3", date(2024, 2, 29)) == date(2026, 2, 28)
    assert ban_until("V3", date(2024, 2, 29), severe=True) == date(2029, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert ban_until("V2", date(2024, 2, 29)) == date(2024, 12, 31)


def test_ban_until_then_check() -> None:
    until = ban_until("V3", date(2024, 11, 23))
    ban = BanFacts("V3", until, "false_pledge")
    assert codes(check(ANN, replace(APP, active_bans=(ban,)), until)) == ["banned"]
    assert check(ANN, replace(APP, active_bans=(ban,)), date(2026, 11, 24)) == []


def test_ban_until_rejects_other_kinds() -> None:
    with pytest.raises(ValueError):
        ban_until("V1", TODAY)
