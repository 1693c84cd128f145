"""The review queue as pure flow code: cards, decisions, reason templates, notes, refusals; fuzzed buttons."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flows import commands, review
from flows.context import FlowContext
from flows.events import Command, FileInput, TextInput
from flows.replies import Document, InlineKeyboard, Photo, Text
from flows.review import ReviewDecision, target
from flows.review_card import REASONS
from flows.state import ConversationState

STAFF = 7
CANDIDATE = 42
CARD: dict[str, Any] = {
    "id": 31, "number": "SQ2026000031", "status": "submitted", "user_id": CANDIDATE, "occupation": "电工", "work_type": "",
    "level": 4, "name": "张三", "gender": "male", "birth": "1990-05-20", "id_type": "201", "id_masked": "3601**********1233",
    "mobile_masked": "138****8000", "category": "employee", "work_unit": "南昌电力维修公司", "education": "senior_high",
    "major": "电气", "held": [{"kind": "skill", "level": "5", "name": "电工", "number": "S1", "date": "2019-06-30", "issuer": "X"}],
    "post": "维修电工", "years": 5.0, "subjects": ["theory", "practical"], "submitted": "2026-11-23 10:30",
    "photo": {"file_id": "PH"}, "documents": [{"kind": "document", "file_id": "D1"}, {"kind": "photo", "file_id": "D2"}], "note": None,
}


def ctx(card: dict[str, Any] | None = CARD, user_id: int = STAFF, queue: int = 3) -> FlowContext:
    return FlowContext(user_id, user_id, "staff", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc), {"review": {"card": card, "queue": queue}})


def keys(replies: list[Any]) -> list[str]:
    return [r.key for r in replies if isinstance(r, Text)]


def datas(reply: Any) -> list[str]:
    assert isinstance(reply.markup, InlineKeyboard)
    return [b.data for row in reply.markup.rows for b in row]


def test_target_parses_every_button_shape() -> None:
    assert target(None) == ("", None)
    assert target("rv:next") == ("next", None)
    assert target("rv:next:31") == ("next", 31)
    assert target("rv:r:no:31:photo") == ("r", 31)
    assert target("rv:ok:abc") == ("ok", None)
    assert target("rv:ok:" + "9" * 40) == ("ok", None)


def test_show_renders_the_card_with_short_callback_data() -> None:
    result = review.show(ConversationState(), ctx())
    assert keys(result.replies) == ["review.card"]
    card = result.replies[0]
    assert card.params["id_number"] == "3601**********1233" and card.params["queue"] == 3 and card.params["documents"] == 2
    assert {"rv:ok:31", "rv:no:31", "rv:sup:31", "rv:photo:31", "rv:docs:31", "rv:next:31"} == set(datas(card))
    assert all(len(d.encode()) <= 64 for d in datas(card))
    assert keys(review.show(ConversationState(), ctx(card=None)).replies) == ["review.empty"]


def test_approve_decides_and_notifies_the_candidate() -> None:
    result = review.on_button(ConversationState(), "rv:ok:31", ctx())
    assert result.effects == [ReviewDecision(31, "approved", "", "")]
    staff, notice = result.replies
    assert staff.key == "review.done_approved" and staff.chat_id is None
    assert notice.key == "review.notify_approved" and notice.chat_id == CANDIDATE and notice.markup is None


def test_reject_with_a_template_and_a_note() -> None:
    menu = review.on_button(ConversationState(), "rv:no:31", ctx())
    assert datas(menu.replies[0]) == [f"rv:r:no:31:{code}" for code in REASONS["no"]] + ["rv:card:31"]
    asked = review.on_button(menu.state, "rv:r:no:31:photo", ctx())
    assert asked.state.active == review.NAME and asked.effects == []
    assert datas(asked.replies[0]) == ["rv:skip:31", "rv:x:31"]
    done = commands.on_input(asked.state, TextInput("  请重新拍摄\n白底照片 "), ctx(card=None))
    assert done.effects == [ReviewDecision(31, "rejected", "photo", "请重新拍摄 白底照片")]
    notice = done.replies[1]
    assert notice.chat_id == CANDIDATE and datas(notice) == ["ap:fix:31"]
    assert notice.params["note"] == "请重新拍摄 白底照片" and notice.params["reason"].key == "review.reason_no.photo"
    assert done.state.active is None and review.NAME not in done.state.forms


def test_supplement_without_a_note() -> None:
    asked = review.on_button(ConversationState(), "rv:r:sup:31:documents", ctx())
    done = review.on_button(asked.state, "rv:skip:31", ctx())
    assert done.effects == [ReviewDecision(31, "needs_supplement", "documents", "")]
    assert done.replies[1].key == "review.notify_needs_supplement"


def test_other_needs_text_and_long_or_non_text_notes_are_explained() -> None:
    asked = review.on_button(ConversationState(), "rv:r:sup:31:other", ctx())
    assert datas(asked.replies[0]) == ["rv:x:31"] and keys(asked.replies) == ["review.ask_note_required"]
    assert keys(review.on_button(asked.state, "rv:skip:31", ctx()).replies) == ["hint.stale_button"]
    long = commands.on_input(asked.state, TextInput("字" * 301), ctx())
    assert keys(long.replies)[0] == "review.note_too_long" and long.state == asked.state and not long.effects
    photo = commands.on_input(asked.state, FileInput("photo", "f", "u"), ctx())
    assert keys(photo.replies)[0] == "review.note_expected" and not photo.effects


def test_cancel_drops_the_pending_decision() -> None:
    asked = review.on_button(ConversationState(), "rv:r:no:31:unclear", ctx())
    cancelled = commands.cancel(asked.state, ctx())
    assert keys(cancelled.replies) == ["review.decision_cancelled_plain"] and cancelled.state.active is None
    button = review.on_button(asked.state, "rv:x:31", ctx())
    assert keys(button.replies) == ["review.decision_cancelled"] and review.NAME not in button.state.forms
    after = commands.on_input(cancelled.state, TextInput("late"), ctx())
    assert keys(after.replies) == ["hint.no_active_form"] and not after.effects


def test_decided_or_own_applications_are_refused() -> None:
    decided = review.on_button(ConversationState(), "rv:ok:31", ctx(card={**CARD, "status": "approved"}))
    assert keys(decided.replies) == ["review.already_decided"] and not decided.effects
    own = review.on_button(ConversationState(), "rv:no:31", ctx(user_id=CANDIDATE))
    assert keys(own.replies) == ["review.own_application"] and not own.effects
    stale = review.refuse_stale(ConversationState(), ctx(), "SQ2026000031", "rejected")
    assert keys(stale.replies) == ["review.already_decided"] and stale.replies[0].params["number"] == "SQ2026000031"


def test_a_button_about_another_application_is_stale() -> None:
    assert keys(review.on_button(ConversationState(), "rv:ok:32", ctx()).replies) == ["hint.stale_button"]
    assert keys(review.on_button(ConversationState(), "rv:r:no:31:nonsense", ctx()).replies) == ["hint.stale_button"]
    assert keys(review.on_button(ConversationState(), "rv:skip:31", ctx()).replies) == ["hint.stale_button"]


def test_photo_and_documents_by_file_id() -> None:
    photo = review.on_button(ConversationState(), "rv:photo:31", ctx()).replies
    assert isinstance(photo[0], Photo) and photo[0].file_id == "PH"
    docs = review.on_button(ConversationState(), "rv:docs:31", ctx()).replies
    assert [type(d) for d in docs] == [Document, Photo] and [d.file_id for d in docs] == ["D1", "D2"]
    bare = {**CARD, "photo": {}, "documents": []}
    assert keys(review.on_button(ConversationState(), "rv:photo:31", ctx(card=bare)).replies) == ["review.no_photo"]
    assert keys(review.on_button(ConversationState(), "rv:docs:31", ctx(card=bare)).replies) == ["review.no_documents"]


def test_commands_are_not_notes() -> None:
    asked = review.on_button(ConversationState(), "rv:r:no:31:unclear", ctx())
    result = commands.on_input(asked.state, Command("frobnicate"), ctx())
    assert keys(result.replies) == ["hint.unknown_command"] and result.state == asked.state


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40).map(lambda t: "rv:" + t), st.sampled_from(
    ["rv:ok:31", "rv:no:31", "rv:r:no:31:other", "rv:r:sup:31:photo", "rv:skip:31", "rv:x:31", "rv:card:31", "rv:next"]
)), max_size=12), st.text(max_size=20))
def test_fuzzed_buttons_never_raise(buttons: list[str], note: str) -> None:
    state = ConversationState()
    for data in buttons:
        result = review.on_button(state, data, ctx())
        json.dumps(result.state.to_json())
        for effect in result.effects:
            assert isinstance(effect, ReviewDecision) and effect.application_id == 31
        state = result.state
    result = commands.on_input(state, TextInput(note), ctx())
    assert all(isinstance(e, ReviewDecision) for e in result.effects)
    assert all(len(d.encode()) <= 64 for r in result.replies if isinstance(getattr(r, "markup", None), InlineKeyboard) for d in datas(r))
    assert not any(isinstance(r, Text) and r.chat_id not in (None, CANDIDATE) for r in result.replies)
