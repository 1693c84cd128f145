"""The application form as pure flow code: parsers, eligibility wiring, fuzzed input never losing data."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.data.demo_catalog import ANNOUNCEMENT_CONDITIONS
from bot.rules.id_numbers import make_resident_id
from flows import commands, engine
from flows.apply import APPLY_FORM, SubmitApplication
from flows.context import FlowContext
from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from flows.replies import Text
from flows.state import ConversationState

TODAY = date(2026, 11, 23)
ID_NUMBER = make_resident_id("360102", date(1990, 5, 20), 123)
ANNOUNCEMENT = {
    "id": 7, "title": "2026 electrician", "occupation_id": 1, "occupation": "电工", "work_type": "",
    "filed_levels": [5, 4, 3], "levels": [5, 4, 3], "start": "2026-11-01", "end": "2026-12-31",
    "conditions": ANNOUNCEMENT_CONDITIONS, "sites": ["A"], "fee": 200,
}


def ctx(**apply_facts: Any) -> FlowContext:
    facts = {"today": TODAY.isoformat(), "announcements": [ANNOUNCEMENT], "next_number": "SQ2026000001", "bans": [], "duplicate": None}
    facts.update(apply_facts)
    return FlowContext(7, 7, "candidate", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc), {"apply": facts, "prefill": {}})


def keys(result: engine.FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


HAPPY: list[Event] = [
    ButtonPress("fm:c:announcement:7"), ButtonPress("fm:c:level:5"), TextInput("王芳"), ButtonPress("fm:c:id_type:201"),
    TextInput(ID_NUMBER), TextInput("13800138000"), ButtonPress("fm:c:category:student"), ButtonPress("fm:c:school_student:yes"),
    TextInput("南昌赣江技工学校"), ButtonPress("fm:c:education:technical_school"), TextInput("电气自动化"),
    ButtonPress("fm:c:held_cert:none"), TextInput("学生"), TextInput("0"), ButtonPress("fm:c:subjects:theory+practical"),
    FileInput("photo", "ph", "ph-u", 50_000, "image/jpeg", None, 413, 579), ButtonPress("fm:done"),
]


def run(events: list[Event], context: FlowContext | None = None) -> engine.FlowResult:
    context = context or ctx()
    result = commands.open_form("apply", ConversationState(), context)
    for event in events:
        result = commands.on_input(result.state, event, context)
    return result


def test_a_full_time_student_reaches_the_summary_and_submits_after_the_pledge() -> None:
    result = run(HAPPY)
    assert result.state.forms["apply"].step == engine.SUMMARY
    values = result.state.forms["apply"].values
    assert values["id_number"] == {"number": ID_NUMBER, "birth": "1990-05-20", "gender": "male"}
    pledge = commands.on_input(result.state, ButtonPress("fm:ok"), ctx())
    assert pledge.state.forms["apply"].step == engine.CONFIRM
    done = commands.on_input(pledge.state, ButtonPress("fm:c:pledge:accept"), ctx())
    assert [type(e) for e in done.effects] == [SubmitApplication] and done.effects[0].number == "SQ2026000001"
    assert "apply" not in done.state.forms


def test_a_ban_found_for_the_draft_blocks_submission_with_its_end_date() -> None:
    result = run(HAPPY)
    blocked = commands.on_input(result.state, ButtonPress("fm:ok"), ctx(bans=[{"kind": "V2", "until": "2026-12-31", "reason": ""}]))
    assert "apply.refused.banned" in keys(blocked) and blocked.effects == []
    assert blocked.state.forms["apply"].step == engine.SUMMARY


def test_a_duplicate_is_refused_with_the_existing_number() -> None:
    result = run(HAPPY)
    blocked = commands.on_input(result.state, ButtonPress("fm:ok"), ctx(duplicate="SQ2026000009"))
    texts = [r for r in blocked.replies if isinstance(r, Text) and r.key == "apply.refused.duplicate"]
    assert texts and texts[0].params["number"] == "SQ2026000009"


def test_a_student_cannot_apply_above_level_four() -> None:
    events = HAPPY[:1] + [ButtonPress("fm:c:level:3")] + HAPPY[2:8]
    result = run(events)
    assert "apply.refused.student_level_too_high" in keys(result)
    assert result.state.forms["apply"].step == "school_student"


def test_closed_window_is_refused_at_the_first_step() -> None:
    late = ctx(today="2027-01-05")
    result = run([ButtonPress("fm:c:announcement:7")], late)
    assert "apply.refused.window_closed" in keys(result)


def test_other_id_types_ask_for_birth_date_and_gender() -> None:
    events = HAPPY[:3] + [ButtonPress("fm:c:id_type:208"), TextInput("E12345678")]
    result = run(events)
    assert result.state.forms["apply"].step == "birth_date"


def test_one_notice_for_a_flood_of_documents() -> None:
    result = run(HAPPY[:-1])
    notices = 0
    for n in range(100):
        result = commands.on_input(result.state, FileInput("photo", f"f{n}", f"u{n}", 1000, "image/jpeg", None, 800, 600), ctx())
        notices += "form.files_limit" in keys(result)
    assert notices == 1 and len(result.state.forms["apply"].values["documents"]) == 10


fuzz_events = st.one_of(
    st.sampled_from(HAPPY),
    st.builds(TextInput, st.text(max_size=30)),
    st.builds(ButtonPress, st.sampled_from(["fm:back", "fm:cancel", "fm:ok", "fm:done", "fm:e:level", "fm:e:id_number", "fm:c:level:1", "fm:c:pledge:accept"])),
    st.builds(ButtonPress, st.text(max_size=64)),
    st.builds(ContactShared, st.text(max_size=16), st.booleans()),
    st.builds(FileInput, st.sampled_from(["photo", "document"]), st.text(max_size=4), st.text(max_size=4), st.none() | st.integers(0, 10**8), st.sampled_from([None, "image/jpeg", "application/pdf", "text/plain"]), st.none(), st.none() | st.integers(1, 3000), st.none() | st.integers(1, 3000)),
    st.builds(Unsupported, st.sampled_from(["sticker", "edited"])),
    st.builds(Command, st.sampled_from(["back", "zz"])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(fuzz_events, max_size=30))
def test_fuzzed_input_never_raises_and_keeps_entered_values(sequence: list[Event]) -> None:
    context = ctx()
    result = commands.open_form("apply", ConversationState(), context)
    for event in sequence:
        before = result.state.forms.get("apply")
        result = commands.on_input(result.state, event, context)
        after = result.state.forms.get("apply")
        json.dumps(result.state.to_json())
        if before is not None and after is not None and not result.effects:
            names = {s.name for s in APPLY_FORM.applicable(after.values)}
            kept = {k for k in before.values if k in names and not k.startswith("_")}
            assert kept <= set(after.values)
