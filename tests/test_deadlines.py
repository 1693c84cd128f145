"""P-rule deadlines of the policy profiles (bot/data/policies.toml) against hand-computed dates, with their citations;
quotes checked against the seed texts; provisional propagation; rules waiting for an event."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.i18n import I18n
from bot.rules.deadlines import DUE, EVENTS, NOT_BEFORE, Profile, RuleSpec, Term, derive, known_events, waiting
from bot.rules.workdays import LOADED, WorkCalendar, YearDays
from bot.services.policy_profiles import PolicyFileError, UnknownPolicy, get_profile, load_profiles, parse_profiles
from bot.settings import Settings
from tests.support.official_days import calendar_until_2026, until_2026

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
P_RULES = {f"P{n}" for n in range(1, 10)}


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    """The official data up to 2026 (2027 is the year without data in these tests)."""
    return calendar_until_2026()


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    """The shipped profiles."""
    return load_profiles()


# (profile, rule, events, expected date, citation the rule must carry). Dates counted by hand with the 2025/2026
# notices: Oct 1–8 2025 off with Sun Sep 28 and Sat Oct 11 worked; Jan 1–3 2026 off with Sun Jan 4 worked.
CASES = [
    ("hunan-2022", "P1", {"exam_date": "2025-10-09"}, "2024-12-31", "003 二(三)"),
    ("hunan-2022", "P2", {"exam_date": "2025-10-09"}, "2025-09-23", "003 二(三)"),  # 30,29,28(Sun),26,25,24,23
    ("hunan-2022", "P3", {"exam_date": "2025-09-30"}, "2025-10-03", "003 四(十七)"),  # calendar days, holiday or not
    ("hunan-2022", "P4", {"exam_date": "2025-10-08", "exam_end": "2025-10-09"}, "2025-10-13", "003 二(八)"),  # 10, 11(Sat), 13
    ("hunan-2022", "P7", {"exam_date": "2025-10-09", "issue_date": "2025-11-03"}, "2025-12-15", "003 二(十)"),
    ("hunan-2022", "P7-correct", {"exam_date": "2025-10-09", "rejection_date": "2025-12-29"}, "2026-01-27",
     "003 附件2 第十一条"),  # 30, 31, Jan 4 (Sun), 5–9, 12–16, 19–23, 26, 27
    ("hunan-2022", "P7-late", {"exam_date": "2025-10-09", "issue_date": "2025-11-03"}, "2026-05-03", "003 附件2 第十二条"),
    ("hunan-2022", "P8-paper", {"exam_date": "2025-10-09"}, "2028-10-09", "003 三(十四)"),
    ("hunan-2022", "P8-electronic", {"exam_date": "2025-10-09"}, "2030-10-09", "003 三(十四)"),
    ("nanchang-2025", "P1", {"exam_date": "2025-10-13"}, "2025-01-31", "001 §31"),
    ("nanchang-2025", "P2", {"exam_date": "2025-10-13"}, "2025-09-23", "004 四(四)"),  # 11(Sat),10,9,30,29,28(Sun),26,25,24,23
    ("nanchang-2025", "P5", {"exam_date": "2025-09-25", "exam_end": "2025-09-26"}, "2025-10-06", "000 附件3-1 §1"),
    # Publicity ≥ 7 days (000) and 5 working days (001, 004): the later end. Here the working days reach further …
    ("nanchang-2025", "P5-end", {"exam_date": "2025-09-25", "publicity_start": "2025-09-29"}, "2025-10-13", "004 四(六)"),
    # … and here the 7 calendar days do (Saturday Oct 11 was a working day).
    ("nanchang-2025", "P5-end", {"exam_date": "2025-09-25", "publicity_start": "2025-10-09"}, "2025-10-16", "000 附件3-1 §1"),
    ("nanchang-2025", "P6", {"exam_date": "2025-09-25", "publicity_start": "2025-10-09"}, "2025-10-30", "004 四(六)"),
    ("nanchang-2025", "P6", {"exam_date": "2025-09-25", "publicity_end": "2025-10-20"}, "2025-11-03", "000 附件3-1 §1"),
    ("nanchang-2025", "P6-batch", {"exam_date": "2025-01-31"}, "2025-02-28", "000 §12"),
    ("nanchang-2025", "P7", {"exam_date": "2025-09-15", "issue_date": "2025-09-26"}, "2025-11-13", "003 附件2 第十条"),
    ("nanchang-2025", "P7-correct", {"exam_date": "2025-09-15", "rejection_date": "2025-12-29"}, "2026-01-27",
     "003 附件2 第十一条"),
    ("nanchang-2025", "P7-late", {"exam_date": "2025-06-15", "issue_date": "2025-08-31"}, "2026-02-28", "003 附件2 第十二条"),
    ("nanchang-2025", "P8-paper", {"exam_date": "2024-02-29"}, "2027-02-28", "001 §29"),
    ("nanchang-2025", "P8-electronic", {"exam_date": "2024-02-29"}, "2029-02-28", "000 附件3-1 §5"),
]


@pytest.mark.parametrize(("policy", "rule", "events", "expected", "citation"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CASES])
def test_rule_date_and_citation(
    profiles: dict[str, Profile], calendar: WorkCalendar, policy: str, rule: str, events: dict[str, str], expected: str,
    citation: str,
) -> None:
    profile = profiles[policy]
    found = {x.rule: x for x in derive(profile, {k: d(v) for k, v in events.items()}, calendar)}
    assert found[rule].due == d(expected)
    assert found[rule].provisional is False
    spec = next(s for s in profile.rules if s.rule == rule)
    assert any(citation in term.citation for term in spec.terms), f"{rule} cites {[t.citation for t in spec.terms]}"
    assert citation.split()[0] in found[rule].basis, "the basis names the seed document"


def test_every_rule_of_every_profile_is_tested(profiles: dict[str, Profile]) -> None:
    tested = {(c[0], c[1]) for c in CASES}
    assert {(p.name, s.rule) for p in profiles.values() for s in p.rules} == tested


def test_profiles_account_for_every_p_rule(profiles: dict[str, Profile]) -> None:
    assert {"hunan-2022", "nanchang-2025"} <= set(profiles)
    for profile in profiles.values():
        applied = {s.rule.split("-")[0] for s in profile.rules}
        silent = {s.rule for s in profile.silent}
        assert applied | silent == P_RULES, f"{profile.name} neither applies nor explains {sorted(P_RULES - applied - silent)}"
        assert all(s.note for s in profile.silent), "a silent rule says why"
    assert {s.rule for s in profiles["hunan-2022"].silent} == {"P5", "P6", "P9"}
    assert {s.rule for s in profiles["nanchang-2025"].silent} == {"P3", "P4", "P9"}


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed texts are in ../shared/seeds")
def test_quoted_words_are_in_the_cited_seeds(profiles: dict[str, Profile]) -> None:
    seeds = {path.name[:3]: _plain(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")}
    checked = 0
    for profile in profiles.values():
        for spec in profile.rules:
            cited = {m for t in spec.terms for m in re.findall(r"\b(00\d)\b", t.citation)}
            assert cited, f"{profile.name} {spec.rule}: the citation names a seed"
            text = "".join(seeds[c] for c in cited)
            for quote in re.findall(r"“([^”]+)”", spec.basis):
                assert _plain(quote) in text, f"{profile.name} {spec.rule}: “{quote}” is not in seed(s) {sorted(cited)}"
                checked += 1
    assert checked >= 20


def test_titles_exist_in_every_locale(profiles: dict[str, Profile]) -> None:
    i18n = I18n()
    rules = {s.rule for p in profiles.values() for s in p.rules}
    for locale in i18n.locales:
        assert not [r for r in rules if not i18n.has(locale, f"deadline.{r}.title")], locale
        assert not [e for e in EVENTS if not i18n.has(locale, f"deadline.event.{e}")], locale


def test_default_policy_setting_names_a_profile(profiles: dict[str, Profile]) -> None:
    assert Settings(_env_file=None).policy in profiles  # type: ignore[call-arg]


def test_beyond_the_data_working_day_rules_are_provisional(profiles: dict[str, Profile], calendar: WorkCalendar) -> None:
    found = {x.rule: x for x in derive(profiles["hunan-2022"], {"exam_date": d("2027-03-10")}, calendar)}
    assert found["P2"].provisional and found["P4"].provisional
    assert not found["P3"].provisional and not found["P8-paper"].provisional, "calendar days and months need no holidays"
    assert not found["P1"].provisional


def test_chain_through_the_publicity_end_is_provisional(profiles: dict[str, Profile], calendar: WorkCalendar) -> None:
    events = {"exam_date": d("2026-12-10"), "exam_end": d("2026-12-11"), "publicity_start": d("2026-12-15")}
    found = {x.rule: x for x in derive(profiles["nanchang-2025"], events, calendar)}
    assert (found["P5-end"].due, found["P5-end"].provisional) == (d("2026-12-22"), False)
    # Dec 23–25, 28–31 (7), then Fri Jan 1 2027 counted as a working day without data (8), Jan 4, Jan 5.
    assert (found["P6"].due, found["P6"].provisional) == (d("2027-01-05"), True)
    loaded = YearDays(2027, frozenset({d("2027-01-01")}), frozenset(), LOADED)
    with_2027 = {x.rule: x for x in derive(profiles["nanchang-2025"], events, WorkCalendar.layered(until_2026(), [loaded]))}
    assert (with_2027["P6"].due, with_2027["P6"].provisional) == (d("2027-01-06"), False)


def test_a_date_derived_from_a_provisional_one_stays_provisional(calendar: WorkCalendar) -> None:
    first = RuleSpec("A", "exam_date", "after", (Term(1, "working_days", "x"),), "a", provides="publicity_start")
    second = RuleSpec("B", "publicity_start", "after", (Term(3, "calendar_days", "x"),), "b")
    profile = Profile("t", "t", (), (second, first))
    found = {x.rule: x for x in derive(profile, {"exam_date": d("2026-12-31")}, calendar)}
    assert (found["A"].due, found["A"].provisional) == (d("2027-01-01"), True)
    assert (found["B"].due, found["B"].provisional) == (d("2027-01-04"), True), "calendar days, but from a guessed date"
    assert [x.rule for x in derive(profile, {"exam_date": d("2026-12-31")}, calendar)] == ["B", "A"], "profile order"
    given = {x.rule: x for x in derive(profile, {"exam_date": d("2026-12-31"), "publicity_start": d("2027-01-02")}, calendar)}
    assert (given["B"].due, given["B"].provisional) == (d("2027-01-05"), False), "a given event wins over `provides`"


def test_due_takes_the_earliest_term_and_not_before_the_latest(calendar: WorkCalendar) -> None:
    terms = (Term(7, "calendar_days", "x"), Term(5, "working_days", "y"))
    due = RuleSpec("D", "exam_date", "after", terms, "d", kind=DUE)
    floor = RuleSpec("F", "exam_date", "after", terms, "f", kind=NOT_BEFORE)
    found = {x.rule: x.due for x in derive(Profile("t", "t", (), (due, floor)), {"exam_date": d("2025-09-29")}, calendar)}
    assert found == {"D": d("2025-10-06"), "F": d("2025-10-13")}


def test_unknown_events_wait_and_exam_end_defaults_to_the_exam_date(profiles: dict[str, Profile], calendar: WorkCalendar) -> None:
    profile = profiles["nanchang-2025"]
    events = {"exam_date": d("2025-10-13"), "issue_date": None}
    assert waiting(profile, events, calendar) == [
        ("P5-end", "publicity_start"), ("P6", "publicity_end"), ("P7", "issue_date"), ("P7-correct", "rejection_date"),
        ("P7-late", "issue_date"),
    ]
    assert {x.rule for x in derive(profile, events, calendar)} == {"P1", "P2", "P5", "P6-batch", "P8-paper", "P8-electronic"}
    assert known_events(events)["exam_end"].day == d("2025-10-13")


def test_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPolicy) as caught:
        get_profile("beijing-2030")
    assert caught.value.known == ["hunan-2022", "nanchang-2025"]
    assert "hunan-2022, nanchang-2025" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[profile]]\nname="x"\n[[profile.rule]]\nrule="P2"\nanchor="exam_date"\ndirection="before"\nbasis="b"\n'
         'terms=[{amount=7, unit="weeks", citation="c"}]\n', "unit"),
        ('[[profile]]\nname="x"\n[[profile.rule]]\nrule="P2"\nanchor="exam_date"\ndirection="before"\nbasis="b"\n'
         'terms=[{amount=7, unit="working_days"}]\n', "citation"),
        ('[[profile]]\nname="x"\n[[profile.rule]]\nrule="P2"\nanchor="lunch"\ndirection="before"\nbasis="b"\n'
         'terms=[{amount=7, unit="working_days", citation="c"}]\n', "anchor"),
        ('[[profile]]\nname="x"\n[[profile.silent]]\nrule="P2"\nnote="n"\n[[profile]]\nname="x"\n', "twice"),
    ],
)
def test_malformed_profiles_are_refused(body: str, message: str) -> None:
    with pytest.raises(PolicyFileError, match=message):
        parse_profiles(body)
