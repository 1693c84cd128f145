"""Recognizing certificate query values (K3): certificate numbers, ID numbers, names; one-shot pairs; fuzzed input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.cert_numbers import format_k2
from bot.rules.cert_query import (
    ID,
    NAME,
    NUMBER,
    QueryPair,
    QueryValue,
    SameKind,
    Unrecognized,
    classify,
    make_pair,
    name_key,
    parse_values,
    same_name,
)
from bot.rules.id_numbers import check_char, make_resident_id

NUMBER_K2 = format_k2("S", "0000", "36", "010027", 2019, 5, 123)  # S000036010027195000123
LEGACY = "1234567890123456"
RESIDENT = make_resident_id("360102", date(1990, 5, 20), 123)
RESIDENT_X = next(i for i in (make_resident_id("360102", date(1985, 1, 1), s) for s in range(1000)) if i.endswith("X"))
PERMANENT_NEW = "9" + "1100020230101001"[:16]
PERMANENT_NEW += check_char(PERMANENT_NEW)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        (NUMBER_K2, NUMBER, NUMBER_K2),
        (NUMBER_K2.lower(), NUMBER, NUMBER_K2),
        (full_width(NUMBER_K2), NUMBER, NUMBER_K2),
        (f" {NUMBER_K2[:6]} {NUMBER_K2[6:14]}-{NUMBER_K2[14:]} ", NUMBER, NUMBER_K2),
        (LEGACY, NUMBER, LEGACY),
        (RESIDENT, ID, RESIDENT),
        (RESIDENT_X.lower(), ID, RESIDENT_X),
        (full_width(RESIDENT_X.lower()), ID, RESIDENT_X),
        (f"{RESIDENT[:6]} {RESIDENT[6:14]} {RESIDENT[14:]}", ID, RESIDENT),
        (PERMANENT_NEW, ID, PERMANENT_NEW),
        ("E12345678", ID, "E12345678"),  # 中国护照
        ("h12345678", ID, "H12345678"),  # 港澳通行证
        ("USA123456789012", ID, "USA123456789012"),  # 外国人永久居留身份证 (old)
        ("12345678", ID, "12345678"),  # 台湾居民来往大陆通行证
        ("张三", NAME, "张三"),
        (" 张　三 ", NAME, "张三"),
        ("阿依古丽·买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽•买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽・买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽‧买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽∙买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽.买买提", NAME, "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", NAME, "阿依古丽·买买提"),
        ("John  Smith", NAME, "John Smith"),
        ("Ｊｏｈｎ Ｓｍｉｔｈ", NAME, "John Smith"),
        ("Seán O'Brien-Ló", NAME, "Seán O'Brien-Ló"),
        ("王", NAME, "王"),
    ],
)
def test_values_are_recognized_and_normalized(raw: str, kind: str, value: str) -> None:
    assert classify(raw) == QueryValue(kind, value)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (RESIDENT[:-1] + ("0" if RESIDENT[-1] != "0" else "1"), "bad_resident_id"),
        (RESIDENT[:17], "bad_resident_id"),
        ("123456789012345", "old_15_digit"),
        (NUMBER_K2[:-1], "bad_number"),
        ("S000099010027195000123", "bad_number"),  # province 99 does not exist
        ("S000036010027196000123", "bad_number"),  # level 6 does not exist
        ("", "unrecognized"),
        ("   ", "unrecognized"),
        ("1234", "unrecognized"),
        ("张三123", "unrecognized"),
        ("@#$%", "unrecognized"),
        ("😀", "unrecognized"),
        ("Иван", "unrecognized"),  # not a Latin or Chinese name
        ("张" * 41, "unrecognized"),
        ("x" * 201, "too_long"),
    ],
)
def test_unusable_values_say_why(raw: str, problem: str) -> None:
    assert classify(raw) == Unrecognized(problem)


def test_a_name_never_contains_digits_and_an_id_always_does() -> None:
    assert classify("ABCDEFGHIJ") == QueryValue(NAME, "ABCDEFGHIJ")
    assert classify("ABCDEFGHI1") == QueryValue(ID, "ABCDEFGHI1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"张三 {NUMBER_K2}", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"{NUMBER_K2} 张三", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"{full_width(NUMBER_K2)}　张三", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"张三，{RESIDENT_X.lower()}", {NAME: "张三", ID: RESIDENT_X}),
        (f"{RESIDENT_X.lower()},张三", {NAME: "张三", ID: RESIDENT_X}),
        (f"{RESIDENT}；{NUMBER_K2}", {ID: RESIDENT, NUMBER: NUMBER_K2}),
        (f"张三、{RESIDENT}", {NAME: "张三", ID: RESIDENT}),
        (f"张三{NUMBER_K2}", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"{NUMBER_K2}张三", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"张 三 {NUMBER_K2}", {NAME: "张三", NUMBER: NUMBER_K2}),
        (f"{RESIDENT[:6]} {RESIDENT[6:14]} {RESIDENT[14:]} 张三", {NAME: "张三", ID: RESIDENT}),
        (f"John Smith {NUMBER_K2}", {NAME: "John Smith", NUMBER: NUMBER_K2}),
        (f"{NUMBER_K2} John Smith", {NAME: "John Smith", NUMBER: NUMBER_K2}),
        ("John Smith E12345678", {NAME: "John Smith", ID: "E12345678"}),
        ("E12345678 John Smith", {NAME: "John Smith", ID: "E12345678"}),
        (f"{NUMBER_K2} {RESIDENT}", {NUMBER: NUMBER_K2, ID: RESIDENT}),
        (f"阿依古丽・买买提 {NUMBER_K2}", {NAME: "阿依古丽·买买提", NUMBER: NUMBER_K2}),
    ],
)
def test_two_values_in_one_message_in_any_order(raw: str, expected: dict[str, str]) -> None:
    parsed = parse_values(raw)
    assert isinstance(parsed, tuple) and len(parsed) == 2
    assert {v.kind: v.value for v in parsed} == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("  ", ()),
        ("张三", (QueryValue(NAME, "张三"),)),
        ("张三 李四", (QueryValue(NAME, "张三李四"),)),  # spaces inside a Chinese name are dropped: one name
        ("John Smith", (QueryValue(NAME, "John Smith"),)),
        (f"{RESIDENT[:6]} {RESIDENT[6:]}", (QueryValue(ID, RESIDENT),)),
        (f"{RESIDENT} {RESIDENT}", SameKind(ID)),
        (f"{NUMBER_K2}，{LEGACY}", SameKind(NUMBER)),
        (f"张三，{NUMBER_K2}，{RESIDENT}", Unrecognized("too_many")),
        (f"张三 {NUMBER_K2[:-1]}", Unrecognized("bad_number")),
        (f"张三，{RESIDENT[:-1]}Y", Unrecognized("bad_resident_id")),
        ("???", Unrecognized("unrecognized")),
    ],
)
def test_messages_with_no_one_or_unusable_values(raw: str, expected: object) -> None:
    assert parse_values(raw) == expected


def test_pairs_are_canonical_and_need_two_kinds() -> None:
    name, number = QueryValue(NAME, "张三"), QueryValue(NUMBER, NUMBER_K2)
    pair = make_pair(name, number)
    assert pair == make_pair(number, name) == QueryPair(number, name)
    assert pair is not None and pair.kinds == "number+name" and pair.get(ID) is None and pair.get(NAME) == "张三"
    assert make_pair(name, QueryValue(NAME, "李四")) is None


def test_names_compare_normalized() -> None:
    assert same_name("阿依古丽·买买提", "阿依古丽・买买提")
    assert same_name("张三", " 张 三")
    assert same_name("John Smith", "JOHN  SMITH")
    assert not same_name("张三", "张山")
    assert name_key("Ｊｏｈｎ") == "john"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=260))
def test_any_text_is_classified_without_raising(raw: str) -> None:
    result = classify(raw)
    assert isinstance(result, (QueryValue, Unrecognized))
    parsed = parse_values(raw)
    if isinstance(parsed, tuple):
        assert len(parsed) <= 2
        if len(parsed) == 2:
            assert make_pair(*parsed) is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([NUMBER_K2, RESIDENT, "张三", "John Smith", "E12345678", " ", "，", ",", "·", "x", "1"]), max_size=8))
def test_pieces_of_real_values_are_parsed_without_raising(pieces: list[str]) -> None:
    parsed = parse_values("".join(pieces))
    assert isinstance(parsed, (tuple, Unrecognized, SameKind))
