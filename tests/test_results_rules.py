"""L2 pass rules: a subject passes from 60; 二级/一级 also need the comprehensive review when the batch holds it."""

from __future__ import annotations

import pytest

from bot.rules.results import SubjectScore, candidate_passed, parse_value, required_subjects, subject_passed

TP = ("theory", "practical")
TPC = ("theory", "practical", "comprehensive")


@pytest.mark.parametrize(("text", "value"), [
    ("60", 60.0), ("0", 0.0), ("100", 100.0), ("59.5", 59.5), (" 85.5 ", 85.5),
    ("100.1", None), ("101", None), ("85.55", None), ("-1", None), ("abc", None), ("", None), ("1e2", None), ("85.", None),
])
def test_parse_value_accepts_0_to_100_with_one_decimal(text: str, value: float | None) -> None:
    assert parse_value(text) == value


def test_a_subject_passes_from_60_and_absent_or_missing_fails() -> None:
    assert subject_passed(SubjectScore(60.0))
    assert not subject_passed(SubjectScore(59.9))
    assert not subject_passed(SubjectScore(None, absent=True))
    assert not subject_passed(SubjectScore(None))
    assert not subject_passed(None)


def test_every_subject_sat_must_pass() -> None:
    good = {"theory": SubjectScore(75.0), "practical": SubjectScore(60.0)}
    assert candidate_passed(4, good, TP, TP)
    assert not candidate_passed(4, {**good, "practical": SubjectScore(59.5)}, TP, TP)
    assert not candidate_passed(4, {**good, "theory": SubjectScore(None, True)}, TP, TP)
    assert candidate_passed(4, {"practical": SubjectScore(80.0)}, ("practical",), TP), "only the subjects sat count"
    assert not candidate_passed(4, {}, (), TP), "nobody passes with no subject at all"


def test_levels_two_and_one_need_the_comprehensive_review_when_the_batch_holds_it() -> None:
    tp_only = {"theory": SubjectScore(90.0), "practical": SubjectScore(90.0)}
    assert required_subjects(2, TP, TPC) == frozenset(TPC)
    assert required_subjects(3, TP, TPC) == frozenset(TP)
    assert not candidate_passed(2, tp_only, TP, TPC), "二级 without a passed 综合评审 fails"
    assert not candidate_passed(1, {**tp_only, "comprehensive": SubjectScore(59.0)}, TPC, TPC)
    assert candidate_passed(1, {**tp_only, "comprehensive": SubjectScore(60.0)}, TPC, TPC)
    assert candidate_passed(2, tp_only, TP, TP), "a batch without the review cannot require it"
    assert candidate_passed(3, tp_only, TP, TPC), "三级 needs no review"
