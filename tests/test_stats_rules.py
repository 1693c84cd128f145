"""Pass rates (L2: a candidate passes when every subject passed) and the O1 flag (above 90 % over 12 months)."""

from __future__ import annotations

from datetime import date

from bot.rules.stats import Candidate, SubjectScore, Tally, in_o1_window, key_target, outcome, percent, tally


def test_a_candidate_passes_only_with_every_subject_passed() -> None:
    both = Candidate(1, frozenset({"theory", "practical"}))
    assert outcome(both, [SubjectScore(1, "theory", True), SubjectScore(1, "practical", True)]) == (True, True)
    assert outcome(both, [SubjectScore(1, "theory", True), SubjectScore(1, "practical", False)]) == (True, False)
    assert outcome(both, [SubjectScore(1, "theory", True)]) == (True, False), "a subject not scored yet is no pass"
    assert outcome(both, [SubjectScore(1, "theory", False, absent=True), SubjectScore(1, "practical", False, absent=True)]) == (False, False)
    assert outcome(both, []) == (False, False)
    assert outcome(Candidate(2), [SubjectScore(2, "theory", True)]) == (True, True), "no seats known: the scored subjects"
    assert outcome(both, [SubjectScore(9, "theory", True), SubjectScore(9, "practical", True)]) == (False, False)


def test_tally_and_rate() -> None:
    candidates = [Candidate(i, frozenset({"theory"})) for i in range(1, 5)]
    scores = [SubjectScore(1, "theory", True), SubjectScore(2, "theory", False), SubjectScore(3, "theory", False, absent=True)]
    result = tally(candidates, scores)
    assert result == Tally(4, 2, 1) and result.rate == 0.5 and percent(result.rate) == "50.0%"
    assert tally([], []).rate is None and percent(None) == "—"
    assert Tally(1, 1, 1) + Tally(2, 1, 0) == Tally(3, 2, 1)


def test_o1_threshold_is_strictly_above_90_percent() -> None:
    assert not key_target(0.9) and key_target(0.901) and not key_target(None)
    assert key_target(Tally(10, 10, 10).rate) and not key_target(Tally(10, 10, 9).rate)


def test_o1_window_is_the_last_12_months() -> None:
    today = date(2026, 3, 1)
    assert in_o1_window(date(2026, 3, 1), today) and in_o1_window(date(2025, 3, 2), today)
    assert not in_o1_window(date(2025, 3, 1), today), "365 days ago is outside"
    assert not in_o1_window(date(2026, 3, 2), today), "a batch still to come has no results"
