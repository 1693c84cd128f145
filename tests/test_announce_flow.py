"""The announcement form and its rules as pure code: filed levels only (L5), per-level conditions, O2 words."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import I18n
from bot.rules import advertising
from bot.rules import announcements as rules
from flows import apply, commands, engine
from flows.announce import ANNOUNCE_FORM, spec_from_values
from flows.announce_effects import CreateAnnouncement
from flows.context import FlowContext
from flows.events import ButtonPress, Event, TextInput
from flows.replies import InlineKeyboard, Label, Text
from flows.state import ConversationState

TODAY = date(2026, 11, 23)
ELECTRICIAN = {"id": 3, "institution_id": 1, "institution": "南昌赣江技工学校", "code": "6-31-01-03", "name": "电工", "work_type": "", "levels": [5, 4, 3]}


def ctx(role: str = "staff", **overrides: Any) -> FlowContext:
    facts: dict[str, Any] = {"today": TODAY.isoformat(), "occupations": [ELECTRICIAN], "several": False, "titles": {"1": ["旧公告"]}}
    facts.update(overrides)
    return FlowContext(5, 5, role, "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc), {"announce": facts, "prefill": {}})


def keys(result: engine.FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


def buttons(result: engine.FlowResult) -> list[str]:
    return [b.data or "" for r in result.replies if isinstance(r, Text) and isinstance(r.markup, InlineKeyboard) for row in r.markup.rows for b in row]


LEVEL_5 = [TextInput("1"), ButtonPress("fm:c:students_5:yes"), ButtonPress("fm:c:education_5:any"),
           ButtonPress("fm:c:subjects_5:theory+practical"), TextInput("累计从事本职业工作1年以上；或本校全日制在籍学生。")]
LEVEL_4 = [TextInput("4"), ButtonPress("fm:c:prior_4:5"), TextInput("6"), ButtonPress("fm:c:students_4:no"),
           ButtonPress("fm:c:education_4:senior_high"), ButtonPress("fm:c:subjects_4:theory+practical"),
           TextInput("取得五级证书后工作4年以上，或累计工作6年以上。")]
HAPPY: list[Event] = [
    ButtonPress("fm:c:occupation:3"), TextInput("2027年第一批电工认定报名公告"),
    ButtonPress("fm:c:offer_5:yes"), ButtonPress("fm:c:offer_4:yes"), ButtonPress("fm:c:offer_3:no"),
    *LEVEL_5, *LEVEL_4,
    TextInput("2026-12-01"), TextInput("2026-12-20"), TextInput("实训楼A座\n\n教学楼三楼"), TextInput("２００元"),
]


def run(events: list[Event], context: FlowContext | None = None) -> engine.FlowResult:
    context = context or ctx()
    result = commands.open_form("announce", ConversationState(), context)
    for event in events:
        result = commands.on_input(result.state, event, context)
    return result


def test_a_staff_member_fills_the_form_and_publishing_creates_the_announcement() -> None:
    result = run(HAPPY)
    assert result.state.forms["announce"].step == engine.SUMMARY, keys(result)
    done = commands.on_input(result.state, ButtonPress("fm:ok"), ctx())
    assert keys(done) == ["announce.created"] and "announce" not in done.state.forms
    [effect] = done.effects
    assert isinstance(effect, CreateAnnouncement)
    assert (effect.institution_id, effect.occupation_id, effect.levels) == (1, 3, [5, 4])
    assert effect.registration_start == "2026-12-01" and effect.registration_end == "2026-12-20"
    assert effect.sites == ["实训楼A座", "教学楼三楼"] and effect.fee_yuan == 200
    assert effect.conditions["4"] == {
        "text": "取得五级证书后工作4年以上，或累计工作6年以上。", "min_years": 4, "prior_level": 5, "alternative_years": 6,
        "students_exempt": False, "subjects": ["theory", "practical"], "min_education": "senior_high",
        "education": ["senior_high", "secondary_vocational", "technical_school", "junior_college", "bachelor", "postgraduate"],
    }
    assert effect.conditions["5"]["students_exempt"] is True and "prior_level" not in effect.conditions["5"]
    json.dumps(result.state.to_json())  # the draft stays storable


def test_the_conditions_are_what_the_application_form_reads() -> None:
    result = run(HAPPY)
    effect = commands.on_input(result.state, ButtonPress("fm:ok"), ctx()).effects[0]
    announcement = {"id": 9, "occupation": "电工", "filed_levels": [5, 4, 3], "levels": effect.levels, "conditions": effect.conditions,
                    "start": effect.registration_start, "end": effect.registration_end}
    apply_ctx = FlowContext(7, 7, "candidate", "zh_CN", datetime.now(timezone.utc), {"apply": {"announcements": [announcement]}})
    facts = apply.announcement_facts(apply_ctx, {"announcement": "9"})
    assert facts is not None and facts.conditions[4].prior_level == 5 and facts.conditions[4].alternative_years == 6
    assert "junior_high" not in facts.conditions[4].education and facts.conditions[5].education == ()


def test_only_filed_levels_are_offered_and_a_forged_level_is_refused() -> None:
    result = run(HAPPY[:2])
    assert result.state.forms["announce"].step == "offer_5"
    asked = [result]
    for answer in ("yes", "yes", "yes"):
        asked.append(commands.on_input(asked[-1].state, ButtonPress(f"fm:c:{asked[-1].state.forms['announce'].step}:{answer}"), ctx()))
    assert asked[-1].state.forms["announce"].step == "min_years_5", "levels 2 and 1 are not filed, so they are never asked"
    forged = commands.on_input(result.state, ButtonPress("fm:c:offer_2:yes"), ctx())
    assert "hint.stale_button" in keys(forged) and "offer_2" not in forged.state.forms["announce"].values


def test_the_filing_checked_again_at_publishing_time() -> None:
    result = run(HAPPY)
    narrowed = ctx(occupations=[{**ELECTRICIAN, "levels": [5]}])
    refused = commands.on_input(result.state, ButtonPress("fm:ok"), narrowed)
    assert "announce.problem.level_not_filed" in keys(refused) and refused.effects == []
    gone = commands.on_input(result.state, ButtonPress("fm:ok"), ctx(occupations=[]))
    assert keys(gone)[0] == "announce.problem.occupation_gone" and gone.effects == []


def test_advertising_words_in_the_title_are_named() -> None:
    result = run(HAPPY[:1] + [TextInput("包 过！国家认可的电工证报名")])
    problem = next(r for r in result.replies if isinstance(r, Text) and r.key == "announce.problem.title_advertising")
    assert problem.params["words"] == ["包过", "国家"]
    assert result.state.forms["announce"].step == "title"
    rendered = I18n().render("zh_CN", problem.key, problem.params)
    assert "包过、国家" in rendered and "（十九）" in rendered


def test_advertising_words_in_a_condition_text_are_refused() -> None:
    result = run(HAPPY[:5] + LEVEL_5[:4] + [TextInput("保过！中华人民共和国职业技能鉴定中心颁证")])
    assert "announce.problem.text_advertising" in keys(result)
    assert result.state.forms["announce"].step == "text_5"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("电工培训，包获证", ("包获证",)), ("中国电工", ("中国",)), ("人力资源社会保障部门监制", ("人力资源社会保障部门",)),
        ("按《国家职业技能标准》申报", ()), ("电工四级认定", ()), ("ＢＡＯ 包-过", ("包过",)),
    ],
)
def test_advertising_table(text: str, found: tuple[str, ...]) -> None:
    assert advertising.offending(text) == found
    assert all(w.citation == "003 (十九)" for w in advertising.ADVERTISING_WORDS)


def test_levels_one_and_two_need_the_comprehensive_review() -> None:
    assert all("comprehensive" in combo for n in (1, 2) for combo in rules.subject_options(n))
    assert all("comprehensive" not in combo for n in (3, 4, 5) for combo in rules.subject_options(n))
    spec = rules.LevelSpec(level=2, subjects=("theory", "practical"), text="取得三级证书后工作4年以上。")
    assert [p.code for p in rules.level_problems(spec)] == ["subjects_need_review"]


def test_prior_levels_are_lower_grades_and_students_only_at_five_and_four() -> None:
    assert rules.prior_options(4) == (5,) and rules.prior_options(5) == () and rules.prior_options(2) == (5, 4, 3)
    spec = rules.LevelSpec(level=3, prior_level=3, students_exempt=True, alternative_years=2, min_years=5, text="四级证书后五年。")
    assert [p.code for p in rules.level_problems(spec)] == ["prior_level_invalid", "alternative_not_longer", "students_level"]


def test_bad_numbers_dates_and_fee_are_explained_without_losing_answers() -> None:
    result = run(HAPPY[:5])
    assert "announce.problem.years_range" in keys(commands.on_input(result.state, TextInput("3.5"), ctx()))
    at_alt = run(HAPPY[:5] + LEVEL_5 + LEVEL_4[:2])
    assert "announce.problem.alternative_not_longer" in keys(commands.on_input(at_alt.state, TextInput("3"), ctx()))
    at_start = run(HAPPY[:-4])
    assert "announce.problem.start_past" in keys(commands.on_input(at_start.state, TextInput("2026-11-22"), ctx()))
    at_end = run(HAPPY[:-3])
    assert "announce.problem.end_before_start" in keys(commands.on_input(at_end.state, TextInput("2026-11-30"), ctx()))
    at_fee = run(HAPPY[:-1])
    refused = commands.on_input(at_fee.state, TextInput("100001"), ctx())
    assert "announce.problem.fee_range" in keys(refused) and refused.state.forms["announce"].values["sites"]


def test_a_title_already_used_by_the_institution_is_refused_at_publishing() -> None:
    result = run(HAPPY)
    refused = commands.on_input(result.state, ButtonPress("fm:ok"), ctx(titles={"1": ["2027年第一批电工认定报名公告"]}))
    assert "announce.problem.title_taken" in keys(refused) and refused.effects == []


def test_declining_every_level_is_refused_at_publishing() -> None:
    events = HAPPY[:2] + [ButtonPress("fm:c:offer_5:no"), ButtonPress("fm:c:offer_4:no"), ButtonPress("fm:c:offer_3:no")] + HAPPY[-4:]
    result = run(events)
    assert result.state.forms["announce"].step == engine.SUMMARY
    assert "announce.problem.no_levels" in keys(commands.on_input(result.state, ButtonPress("fm:ok"), ctx()))


def test_changing_the_occupation_drops_answers_about_levels_it_lacks() -> None:
    lathe = {**ELECTRICIAN, "id": 4, "code": "6-18-01-01-02", "name": "车工", "work_type": "数控车床", "levels": [5]}
    context = ctx(occupations=[ELECTRICIAN, lathe])
    result = run(HAPPY, context)
    edit = commands.on_input(result.state, ButtonPress("fm:e:occupation"), context)
    changed = commands.on_input(edit.state, ButtonPress("fm:c:occupation:4"), context)
    values = changed.state.forms["announce"].values
    assert changed.state.forms["announce"].step == engine.SUMMARY
    assert "min_years_4" not in values and "offer_4" not in values and values["min_years_5"] == 1
    assert spec_from_values(values, context).level_numbers() == [5]


def test_several_institutions_are_named_in_the_occupation_choice() -> None:
    other = {**ELECTRICIAN, "id": 8, "institution_id": 2, "institution": "湖南某培训评价组织"}
    result = commands.open_form("announce", ConversationState(), ctx(occupations=[ELECTRICIAN, other], several=True))
    assert buttons(result)[:2] == ["fm:c:occupation:3", "fm:c:occupation:8"]
    markup = result.replies[0].markup
    assert isinstance(markup, InlineKeyboard)
    assert markup.rows[1][0].label == Label("announce.occupation_choice", {"name": "电工", "code": "6-31-01-03", "work_type": "", "institution": "湖南某培训评价组织"})


def test_candidates_and_bodies_without_filings_cannot_open_the_form() -> None:
    assert keys(commands.open_form("announce", ConversationState(), ctx(role="candidate"))) == ["announce.problem.not_allowed"]
    assert keys(commands.open_form("announce", ConversationState(), ctx(occupations=[]))) == ["announce.no_occupations"]


def _problem_codes() -> set[str]:
    """Codes of every Problem(...) in the rules and the import, plus the length/advertising pairs."""
    root = Path(__file__).resolve().parent.parent
    sources = ["bot/rules/announcements.py", "bot/services/announcement_file.py", "bot/services/announcement_import.py"]
    found = {m for src in sources for m in re.findall(r'Problem\(\s*"([a-z_]+)"', (root / src).read_text(encoding="utf-8"))}
    return found | {f"{field}_{kind}" for field in ("title", "text") for kind in ("length", "advertising")}


def test_every_prompt_label_and_problem_exists_in_both_locales() -> None:
    i18n = I18n()
    used = {s.prompt for s in ANNOUNCE_FORM.steps} | {s.label for s in ANNOUNCE_FORM.steps}
    used |= {f"announce.education.{k}" for k in rules.MIN_EDUCATION}
    for locale in ("zh_CN", "en"):
        missing = sorted(k for k in used if not i18n.has(locale, k))
        assert not missing, f"{locale} lacks {missing}"
        codes = {f"announce.problem.{c}" for c in _problem_codes()} | {"announce.problem.not_allowed", "announce.problem.title_taken"}
        assert len(codes) > 30 and not sorted(c for c in codes if not i18n.has(locale, c))
    assert rules.EDUCATION_LADDER == apply.EDUCATION
