"""Parsing of the batch form's session and room lines: clear line-numbered refusals, local times kept."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import batch_inputs as inputs
from flows.batch_card import parse
from flows.context import FlowContext
from flows.engine import Invalid
from flows.events import TextInput

ANNOUNCEMENTS = [{"id": 7, "title": "t", "levels": [4], "subjects": {"4": ["theory", "practical"]}}]
CTX = FlowContext(1, 1, "admin", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc),
                  {"batch": {"today": "2026-11-23", "announcements": ANNOUNCEMENTS}})
VALUES = {"announcement": 7, "level": 4}


def sessions(text: str) -> list[dict]:
    return inputs.sessions(TextInput(text), CTX, VALUES)


def test_sessions_in_chinese_and_english_with_full_width_input() -> None:
    parsed = sessions("实操　２０２６-12-20　14:00－16:00　实训楼 A 座\ntheory 2026/12/20 09:00-10:30 Building 1")
    assert parsed == [
        {"subject": "theory", "start": "2026-12-20T09:00", "end": "2026-12-20T10:30", "site": "Building 1"},
        {"subject": "practical", "start": "2026-12-20T14:00", "end": "2026-12-20T16:00", "site": "实训楼 A 座"},
    ]


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("理论 2026-12-20 09:00-10:30", "batch.problem.session_format", 1),
        ("理论 2026-12-20 09:00-10:30 A\n化学 2026-12-20 09:00-10:30 A", "batch.problem.subject", 2),
        ("理论 2026-11-23 09:00-10:30 A\n实操 2026-12-20 14:00-16:00 B", "batch.problem.date_past", 1),
        ("理论 2026-12-20 10:30-09:00 A", "batch.problem.end_before_start", 1),
        ("理论 2026-12-20 25:00-26:00 A", "batch.problem.time", 1),
        ("理论 2026-02-30 09:00-10:00 A", "batch.problem.date", 1),
        ("理论 2026-12-20 09:00-10:00 A\n理论 2026-12-21 09:00-10:00 B", "batch.problem.subject_twice", 2),
    ],
)
def test_session_problems_name_the_line(text: str, key: str, line: int) -> None:
    with pytest.raises(Invalid) as caught:
        sessions(text)
    assert caught.value.key == key and caught.value.params.get("line") == line


def test_sessions_must_match_the_level_subjects() -> None:
    with pytest.raises(Invalid) as caught:
        sessions("理论 2026-12-20 09:00-10:30 A")
    assert caught.value.key == "batch.problem.subjects_mismatch"


def test_rooms() -> None:
    values = {"sessions": [{"subject": "theory"}, {"subject": "practical"}]}
    parsed = inputs.rooms(TextInput("理论 3号楼 301 单人单桌 30\npractical Lab A station 12"), CTX, values)
    assert parsed == [
        {"subject": "theory", "name": "3号楼 301", "kind": "desk", "capacity": 30},
        {"subject": "practical", "name": "Lab A", "kind": "station", "capacity": 12},
    ]
    for text, key in (
        ("理论 301 工位 30\n实操 A 工位 3", "batch.problem.kind_unsuitable"),
        ("理论 301 单人单桌 0\n实操 A 工位 3", "batch.problem.capacity"),
        ("理论 301 单人单桌 30", "batch.problem.room_missing"),
        ("理论 301 单人单桌 30\n理论 301 机位 20\n实操 A 工位 3", "batch.problem.room_twice"),
        ("综合 301 单人单桌 30", "batch.problem.room_subject"),
        ("理论 301 沙发 30", "batch.problem.kind"),
    ):
        with pytest.raises(Invalid) as caught:
            inputs.rooms(TextInput(text), CTX, values)
        assert caught.value.key == key, text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused_cleanly(text: str) -> None:
    for parser, values in ((inputs.sessions, VALUES), (inputs.rooms, {"sessions": [{"subject": "theory"}]})):
        try:
            parser(TextInput(text), CTX, values)
        except Invalid:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=70))
def test_card_buttons_parse_or_are_ignored(data: str) -> None:
    action = parse(data)
    assert action is None or all(isinstance(i, int) for i in action.ids)
    assert parse("bt:chief:12:900001").ids == (12, 900001) and parse("bt:chief:12") is None
