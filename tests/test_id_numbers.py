"""居民身份证 check character and parts (DOMAIN R5, GB 11643-1999 MOD 11-2) and K2 certificate numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.data.demo_catalog import REGIONS
from bot.rules.cert_numbers import certificate_format, format_k2, is_k2_number, parse_k2
from bot.rules.id_numbers import birth_date, check_char, gender, is_valid_resident_id, make_resident_id

ALPHABET = "0123456789X"

VALID = ["11010519491231002X", "440524188001010014", "360102199003071236"]  # GB 11643 samples and a 南昌 东湖区 one


@pytest.mark.parametrize("number", VALID)
def test_known_valid_numbers(number: str) -> None:
    assert is_valid_resident_id(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002x",  # lower-case x: callers normalize first (bot.normalize.id_like)
        "11010519490231002X",  # 1949-02-31 is no date
        "1101051949123100",  # too short
        "11010519491231002XX",  # too long
        "99010519491231002X",  # no such province
        "11010518491231002X",  # born before 1850
        "1101051949123100２X",  # full-width digit (normalize with NFKC first)
        "",
    ],
)
def test_known_invalid_numbers(number: str) -> None:
    assert not is_valid_resident_id(number)


def test_birth_date_gender_and_future_birth() -> None:
    assert birth_date("11010519491231002X") == date(1949, 12, 31)
    assert gender("11010519491231002X") == "female"  # sequence 002: even
    assert gender("440524188001010014") == "male"  # sequence 001: odd
    future = make_resident_id("360102", date(2030, 1, 1), 11)
    assert is_valid_resident_id(future)
    assert not is_valid_resident_id(future, today=date(2026, 11, 23))


def test_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_char("12345")
    with pytest.raises(ValueError):
        check_char("1101051949123100A")


ids = st.builds(
    make_resident_id,
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 23)),
    st.integers(min_value=0, max_value=999),
)


@given(ids)
def test_generated_numbers_validate_and_round_trip(number: str) -> None:
    assert is_valid_resident_id(number, today=date(2026, 11, 23))
    assert gender(number) == ("male" if int(number[16]) % 2 else "female")


@given(ids, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_character_change_fails(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_resident_id(changed)


def test_k2_numbers() -> None:
    number = format_k2("S", "0000", "36", "010027", 2025, 4, 17)
    assert number == "S000036010027254000017" and len(number) == 22
    parts = parse_k2(number)
    assert parts is not None and parts.level == 4 and parts.year == "25" and str(parts) == number
    assert certificate_format(number) == "k2"
    assert certificate_format("1536000000123456") == "legacy16"
    for bad in ("S000036010027256000017", "X000036010027254000017", "S000099010027254000017", "S00003601002725400001"):
        assert not is_k2_number(bad)
    with pytest.raises(ValueError):
        format_k2("S", "0000", "36", "010027", 2025, 7, 1)
