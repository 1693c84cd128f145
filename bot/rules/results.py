"""Results rules (DOMAIN L2): a subject passes from 60 out of 100; a candidate passes when every required subject does.

Theory and practical are scored out of 100 and each needs ≥ 60 (001 §25). 二级/一级 also need the comprehensive review
(综合评审, 001 §23, §25): when the batch holds it, a candidate of those levels must have passed it too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

PASS_MARK = 60.0
MAX_SCORE = 100.0
COMPREHENSIVE = "comprehensive"
REVIEW_LEVELS = (2, 1)  # 二级/技师, 一级/高级技师
_VALUE = re.compile(r"^[0-9]{1,3}(\.[0-9])?$")


@dataclass(frozen=True)
class SubjectScore:
    """One subject's score: a value out of 100, or absent (缺考)."""

    value: float | None
    absent: bool = False


def parse_value(text: str) -> float | None:
    """A score typed as 0–100 with at most one decimal; None when it is not one."""
    cleaned = text.strip()
    if not _VALUE.match(cleaned):
        return None
    value = float(cleaned)
    return value if 0 <= value <= MAX_SCORE else None


def subject_passed(score: SubjectScore | None) -> bool:
    """L2: present with a value of at least 60 (absent or not entered fails)."""
    return score is not None and not score.absent and score.value is not None and score.value >= PASS_MARK


def required_subjects(level: int, sat: Collection[str], batch_subjects: Collection[str]) -> frozenset[str]:
    """The subjects a candidate must pass: those they sit, plus the comprehensive review at 二级/一级 when held."""
    required = set(sat)
    if level in REVIEW_LEVELS and COMPREHENSIVE in batch_subjects:
        required.add(COMPREHENSIVE)
    return frozenset(required)


def candidate_passed(level: int, scores: Mapping[str, SubjectScore], sat: Collection[str], batch_subjects: Collection[str]) -> bool:
    """L2: the candidate passes the batch when every required subject passed (and there is at least one)."""
    required = required_subjects(level, sat, batch_subjects)
    return bool(required) and all(subject_passed(scores.get(subject)) for subject in required)
