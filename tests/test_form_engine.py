"""The framework-free form engine: navigation, validation and fuzzed input never losing data."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from flows import commands, engine
from flows.context import FlowContext
from flows.effects import SaveProfile
from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from flows.profile import PROFILE_FORM
from flows.replies import Label, Text
from flows.state import ConversationState

CTX = FlowContext(user_id=7, chat_id=7, role="candidate", locale="zh_CN", now=datetime(2026, 11, 23, tzinfo=timezone.utc))


def keys(result: engine.FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


def run(events: list[Event], state: ConversationState | None = None) -> engine.FlowResult:
    result = commands.open_form("profile", state or ConversationState(), CTX)
    for event in events:
        result = commands.on_input(result.state, event, CTX)
    return result


def test_happy_path_produces_a_save_effect_and_clears_the_draft() -> None:
    result = run([TextInput("张三"), ContactShared("13800138000", own=True), ButtonPress("fm:ok")])
    assert result.effects == [SaveProfile(name="张三", phone="13800138000")]
    assert result.state.active is None and "profile" not in result.state.forms


def test_full_width_digits_and_spaces_are_normalized() -> None:
    result = run([TextInput(" 欧阳 娜娜 "), TextInput("＋８６ １３８ ００１３ ８０００")])
    assert result.state.progress is not None
    assert result.state.progress.values == {"name": "欧阳娜娜", "mobile": "13800138000"}


def test_someone_elses_contact_is_refused_and_name_kept() -> None:
    result = run([TextInput("张三"), ContactShared("13800138000", own=False)])
    assert "profile.not_own_contact" in keys(result)
    assert result.state.progress is not None and result.state.progress.values == {"name": "张三"}


def test_back_returns_to_the_previous_step_keeping_values() -> None:
    result = run([TextInput("张三"), ButtonPress("fm:back")])
    progress = result.state.progress
    assert progress is not None and progress.step == "name" and progress.values["name"] == "张三"
    assert "form.prompt_with_current" in json.dumps([r.params.get("prompt").key for r in result.replies if isinstance(r, Text) and r.params.get("prompt")])


def test_back_at_the_first_step_says_so() -> None:
    result = run([Command("back")])
    assert "form.at_first_step" in keys(result)


def test_edit_from_summary_returns_to_summary() -> None:
    result = run([TextInput("张三"), TextInput("13800138000"), ButtonPress("fm:e:name"), TextInput("李四")])
    progress = result.state.progress
    assert progress is not None and progress.step == engine.SUMMARY
    assert progress.values == {"name": "李四", "mobile": "13800138000"}


def test_cancel_keeps_draft_and_resume_continues() -> None:
    result = run([TextInput("张三"), ButtonPress("fm:cancel")])
    assert result.state.active is None and result.state.forms["profile"].values == {"name": "张三"}
    resumed = commands.open_form("profile", result.state, CTX)
    assert "form.resumed" in keys(resumed)
    assert resumed.state.progress is not None and resumed.state.progress.step == "mobile"


def test_drop_draft_deletes_it() -> None:
    cancelled = run([TextInput("张三"), ButtonPress("fm:cancel")])
    dropped = commands.on_input(cancelled.state, ButtonPress("fm:drop:profile"), CTX)
    assert "profile" not in dropped.state.forms


def test_stale_buttons_change_nothing() -> None:
    before = run([TextInput("张三")])
    after = commands.on_input(before.state, ButtonPress("fm:c:other:x"), CTX)
    assert after.state == before.state and "hint.stale_button" in keys(after)
    confirm_early = commands.on_input(before.state, ButtonPress("fm:ok"), CTX)
    assert confirm_early.effects == [] and confirm_early.state == before.state


def test_a_photo_where_text_is_expected_gets_a_hint() -> None:
    result = run([FileInput("photo", "f", "u")])
    assert keys(result)[0] == "hint.expected_text"


events = st.one_of(
    st.builds(TextInput, st.text(max_size=40)),
    st.sampled_from([TextInput("张三"), TextInput("13800138000"), TextInput("Li Lei"), TextInput("１３８００１３８０００")]),
    st.builds(ButtonPress, st.sampled_from(["fm:back", "fm:cancel", "fm:ok", "fm:e:name", "fm:e:mobile", "fm:e:nope", "fm:c:name:x", "fm:drop:profile", "fm:", "fm:zz"])),
    st.builds(ButtonPress, st.text(max_size=70)),
    st.builds(ContactShared, st.text(max_size=20), st.booleans()),
    st.builds(FileInput, st.sampled_from(["photo", "document"]), st.text(max_size=5), st.text(max_size=5)),
    st.builds(Unsupported, st.sampled_from(["sticker", "location", "edited"])),
    st.builds(Command, st.sampled_from(["back", "unknown", "x"]), st.text(max_size=10)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=25))
def test_fuzzed_input_never_raises_and_state_stays_valid(sequence: list[Event]) -> None:
    result = commands.open_form("profile", ConversationState(), CTX)
    for event in sequence:
        before = result.state
        result = commands.on_input(before, event, CTX)
        restored = ConversationState.from_json(json.loads(json.dumps(result.state.to_json())))
        assert restored.to_json() == result.state.to_json()
        progress = result.state.progress
        if progress is not None:
            assert progress.step == engine.SUMMARY or progress.step in {s.name for s in PROFILE_FORM.steps}
            assert set(progress.values) <= {"name", "mobile"}
        old = before.forms.get("profile")
        new = result.state.forms.get("profile")
        if old is not None and new is not None and result.effects == []:
            # entered values are only ever replaced by a validated value, never silently dropped
            assert set(old.values) <= set(new.values)
        assert all(isinstance(r, Text) for r in result.replies)


def _choice_form() -> engine.Form:
    levels = [engine.Choice(str(n), Label(f"level.{n}")) for n in (4, 5)]
    return engine.Form(
        name="pick",
        title="t",
        summary="form.summary",
        steps=(
            engine.Step("level", "p.level", engine.InputKind.CHOICE, choices=lambda ctx, values: levels),
            engine.Step("note", "p.note", when=lambda values: values.get("level") == "4"),
        ),
        complete=lambda values, ctx: ([], [dict(values)]),
    )


def test_choice_step_takes_only_its_own_buttons_and_guards_skip_steps() -> None:
    form = _choice_form()
    state = engine.start(form, ConversationState(), CTX).state
    typed = engine.handle(form, state, TextInput("4"), CTX)
    assert keys(typed)[0] == "hint.expected_button" and typed.state == state
    unknown = engine.handle(form, state, ButtonPress("fm:c:level:9"), CTX)
    assert unknown.state == state
    five = engine.handle(form, state, ButtonPress("fm:c:level:5"), CTX)
    assert five.state.forms["pick"].step == engine.SUMMARY  # the note step applies to level 4 only
    four = engine.handle(form, state, ButtonPress("fm:c:level:4"), CTX)
    assert four.state.forms["pick"].step == "note"
    done = engine.handle(form, engine.handle(form, four.state, TextInput("x"), CTX).state, ButtonPress("fm:ok"), CTX)
    assert done.effects == [{"level": "4", "note": "x"}]


def test_changing_an_answer_drops_answers_to_steps_that_no_longer_apply() -> None:
    form = _choice_form()
    state = engine.start(form, ConversationState(), CTX).state
    state = engine.handle(form, state, ButtonPress("fm:c:level:4"), CTX).state
    state = engine.handle(form, state, TextInput("x"), CTX).state
    state = engine.handle(form, state, ButtonPress("fm:e:level"), CTX).state
    state = engine.handle(form, state, ButtonPress("fm:c:level:5"), CTX).state
    assert state.forms["pick"].values == {"level": "5"} and state.forms["pick"].step == engine.SUMMARY


def test_prefilled_values_can_be_kept_with_one_press() -> None:
    result = engine.start(PROFILE_FORM, ConversationState(), CTX, prefill={"name": "张三", "mobile": "13800138000"})
    assert result.state.progress is not None and result.state.progress.step == "name"
    kept = commands.on_input(result.state, ButtonPress("fm:keep"), CTX)
    assert kept.state.progress is not None and kept.state.progress.step == "mobile"
    kept = commands.on_input(kept.state, ButtonPress("fm:keep"), CTX)
    assert kept.state.progress is not None and kept.state.progress.step == engine.SUMMARY
    assert kept.state.progress.values == {"name": "张三", "mobile": "13800138000"}
