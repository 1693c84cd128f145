"""/my and fix-and-resubmit as pure flow code: the apply form reopened prefilled, the resubmission marker kept."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from bot.data.demo_catalog import ANNOUNCEMENT_CONDITIONS
from bot.rules.id_numbers import make_resident_id
from flows import commands, engine, my
from flows.apply import SubmitApplication
from flows.context import FlowContext
from flows.events import ButtonPress, TextInput
from flows.replies import InlineKeyboard, Text
from flows.state import ConversationState, FormProgress

ID_NUMBER = make_resident_id("360102", date(1990, 5, 20), 123)
ANNOUNCEMENT = {
    "id": 7, "title": "2026 electrician", "occupation_id": 1, "occupation": "电工", "work_type": "",
    "filed_levels": [5, 4, 3], "levels": [5, 4, 3], "start": "2026-11-01", "end": "2026-12-31",
    "conditions": ANNOUNCEMENT_CONDITIONS, "sites": ["A"], "fee": 200,
}
VALUES: dict[str, Any] = {
    "announcement": "7", "level": "4", "name": "张三", "id_type": "201",
    "id_number": {"number": ID_NUMBER, "birth": "1990-05-20", "gender": "male"}, "mobile": "13800138000",
    "category": "employee", "work_unit": "南昌电力维修公司", "education": "senior_high", "major": "电气",
    "held_cert": "skill", "held_level": "5", "held_name": "电工", "held_number": "S000036010027195000123",
    "held_date": "2019-06-30", "held_issuer": "南昌市职业技能鉴定中心", "post": "维修电工", "years": 5.0,
    "subjects": "theory+practical", "photo": {"kind": "photo", "file_id": "ph", "file_unique_id": "u"}, "documents": [],
    "__resubmit_of": 31, "__resubmit_number": "SQ2026000031",
}


def ctx(
    fix: dict[str, Any] | None = None,
    duplicate: str | None = None,
    my_items: list[dict[str, Any]] | None = None,
    next_number: str = "SQ2026000099",
) -> FlowContext:
    apply = {"today": "2026-11-23", "announcements": [ANNOUNCEMENT], "next_number": next_number, "bans": [], "duplicate": duplicate}
    facts = {"apply": apply, "prefill": {}, "fix": fix, "my": my_items or []}
    return FlowContext(42, 42, "candidate", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc), facts)


def keys(result: engine.FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


def fix_facts(**changes: Any) -> dict[str, Any]:
    return {"values": {**VALUES, **changes}, "status": "needs_supplement", "note": "缺少证明材料"}


def test_my_lists_status_and_note_with_fix_buttons_only_where_fixable() -> None:
    items = [
        {"id": 31, "number": "SQ2026000031", "occupation": "电工", "level": 4, "status": "needs_supplement", "note": "缺少证明材料"},
        {"id": 30, "number": "SQ2026000030", "occupation": "电工", "level": 5, "status": "approved", "note": "old"},
    ]
    result = my.show(ConversationState(), ctx(my_items=items))
    reply = result.replies[0]
    assert isinstance(reply, Text) and reply.key == "my.list"
    assert [i["note"] for i in reply.params["items"]] == ["缺少证明材料", ""]
    assert isinstance(reply.markup, InlineKeyboard) and [b.data for row in reply.markup.rows for b in row] == ["ap:fix:31", "ap:wd:31", "ap:wd:30"]
    assert keys(my.show(ConversationState(), ctx())) == ["my.empty"]


def test_fix_opens_the_summary_prefilled_and_resubmits_under_the_same_number() -> None:
    opened = my.fix(ConversationState(), ctx(fix=fix_facts()))
    assert keys(opened)[:2] == ["my.fix_intro", "form.summary"]
    assert opened.state.active == "apply" and opened.state.forms["apply"].step == engine.SUMMARY
    # the candidate edits a field: the resubmission marker is form metadata and survives every step
    edit = commands.on_input(opened.state, ButtonPress("fm:e:work_unit"), ctx())
    # for a resubmission draft the service's apply facts carry its own number and no self-duplicate
    resubmitting = ctx(next_number="SQ2026000031")
    edited = commands.on_input(edit.state, TextInput("南昌供电公司"), resubmitting)
    values = edited.state.forms["apply"].values
    assert values["__resubmit_of"] == 31 and values["work_unit"] == "南昌供电公司"
    pledge = commands.on_input(edited.state, ButtonPress("fm:ok"), resubmitting)
    assert "apply.refused.duplicate" not in keys(pledge)
    done = commands.on_input(pledge.state, ButtonPress("fm:c:pledge:accept"), resubmitting)
    effect = done.effects[0]
    assert isinstance(effect, SubmitApplication) and effect.number == "SQ2026000031"
    assert effect.values["__resubmit_of"] == 31 and "pledge" not in effect.values
    assert done.replies[-1].params["number"] == "SQ2026000031"


def test_another_active_application_is_still_a_duplicate() -> None:
    opened = my.fix(ConversationState(), ctx(fix=fix_facts()))
    blocked = commands.on_input(opened.state, ButtonPress("fm:ok"), ctx(duplicate="SQ2026000005"))
    assert "apply.refused.duplicate" in keys(blocked)


def test_a_step_not_stored_with_the_application_is_asked_first() -> None:
    opened = my.fix(ConversationState(), ctx(fix=fix_facts(category="student")))
    progress = opened.state.forms["apply"]
    assert progress.step == "school_student" and progress.editing and progress.history == (engine.SUMMARY,)
    answered = commands.on_input(opened.state, ButtonPress("fm:c:school_student:no"), ctx())
    assert answered.state.forms["apply"].step == engine.SUMMARY and answered.state.forms["apply"].values["__resubmit_of"] == 31


def test_fix_refusals_and_resume() -> None:
    assert keys(my.fix(ConversationState(), ctx())) == ["my.not_fixable"]
    other = ConversationState().with_progress("apply", FormProgress(step="name", values={"announcement": "7"}))
    assert keys(my.fix(other, ctx(fix=fix_facts()))) == ["my.draft_exists"]
    same = my.fix(ConversationState(), ctx(fix=fix_facts())).state.deactivated()
    assert keys(my.fix(same, ctx(fix=fix_facts()))) == ["form.resumed", "form.summary"]
    closed = fix_facts(announcement="8")
    assert keys(my.fix(ConversationState(), ctx(fix=closed))) == ["my.announcement_closed"]


def test_apply_reopens_an_application_awaiting_supplements_only_without_a_draft() -> None:
    assert my.reopen_for_supplement(ConversationState(), ctx()) is None
    reopened = my.reopen_for_supplement(ConversationState(), ctx(fix=fix_facts()))
    assert reopened is not None and reopened.state.forms["apply"].values["__resubmit_of"] == 31
    draft = ConversationState().with_progress("apply", FormProgress(step="name"))
    assert my.reopen_for_supplement(draft, ctx(fix=fix_facts())) is None


def test_fix_button_data() -> None:
    assert my.fix_target("ap:fix:31") == 31
    assert my.fix_target("ap:fix:") is None and my.fix_target("ap:fix:x") is None and my.fix_target("ap:zz:1") is None
