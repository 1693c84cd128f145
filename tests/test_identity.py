"""ID type list (R5, 004 附件5) and ID number validation on the form (R4, R5)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.id_numbers import check_char, make_resident_id
from bot.rules.id_types import ID_TYPES, by_code, by_key
from bot.rules.identity import IdProblem, ParsedId, age_on, check_birth_gender, parse_id

TODAY = date(2026, 11, 23)
GB_SAMPLE = "11010519491231002X"  # GB 11643-1999 example: 北京 西城区, 1949-12-31, female
GB_SAMPLE_1880 = "440524188001010014"  # GB 11643-1999 example, born 1880: check is right, date is not plausible
HK_RESIDENCE_SAMPLE = "810000199408230021"  # 港澳居民居住证 specimen (公安部 2018)
TW_RESIDENCE_SAMPLE = "830000199201300022"  # 台湾居民居住证 specimen (公安部 2018)
ALPHABET = "0123456789X"


def problem(id_type: str, raw: str, today: date = TODAY) -> IdProblem:
    with pytest.raises(IdProblem) as info:
        parse_id(id_type, raw, today)
    return info.value


def test_id_types_follow_seed_004_annex_5() -> None:
    codes = [t.code for t in ID_TYPES]
    assert codes == ["201", "227", "210", "237", "213", "238", "208", "233", "239", "240", "241", "299"]
    assert len({t.key for t in ID_TYPES}) == len(ID_TYPES)
    assert all(t.key.isascii() for t in ID_TYPES)
    assert by_code("201") is not None and by_code("201").key == "resident_id"  # type: ignore[union-attr]
    assert by_code("999") is None and by_key("tw_residence") == by_code("238")


def test_unknown_type() -> None:
    assert problem("999", GB_SAMPLE).code == "unknown_type"


# ---- 201 居民身份证 ----


def test_published_sample_parses() -> None:
    parsed = parse_id("201", GB_SAMPLE, TODAY)
    assert parsed == ParsedId(GB_SAMPLE, date(1949, 12, 31), "female")


def test_generated_numbers_parse() -> None:
    male = make_resident_id("360102", date(2000, 3, 7), 123)
    assert parse_id("201", male, TODAY) == ParsedId(male, date(2000, 3, 7), "male")
    female = make_resident_id("430104", date(1988, 2, 29), 8)
    assert parse_id("201", female, TODAY).gender == "female"


def test_gb_sample_born_1880_is_rejected_as_implausible() -> None:
    assert problem("201", GB_SAMPLE_1880).code == "bad_birth_date"


def test_normalization_full_width_spaces_dashes_lower_x() -> None:
    raw = "１１０１０５ １９４９-１２３１ ００２ｘ"
    assert parse_id("201", raw, TODAY).number == GB_SAMPLE
    assert parse_id("201", " 11010519491231002x\t", TODAY).number == GB_SAMPLE


def test_wrong_checksum_reveals_nothing() -> None:
    err = problem("201", "110105194912310021")
    assert err.code == "bad_checksum" and err.params == {}


def test_old_15_digit_number() -> None:
    assert problem("201", "110105491231002").code == "old_15_digit"


@pytest.mark.parametrize("raw, length", [("1101051949123100", 16), ("11010519491231002XX", 19), ("", 0)])
def test_bad_length(raw: str, length: int) -> None:
    err = problem("201", raw)
    assert err.code == "bad_length" and err.params == {"length": length}


@pytest.mark.parametrize("raw", ["11010519491231002A", "1101051949X231002X", "张三", "11010519491231002/"])
def test_bad_chars(raw: str) -> None:
    assert problem("201", raw).code == "bad_chars"


@pytest.mark.parametrize("prefix", ["99", "00", "81", "83"])
def test_bad_region(prefix: str) -> None:
    first17 = prefix + GB_SAMPLE[2:17]
    assert problem("201", first17 + check_char(first17)).code == "bad_region"


def test_impossible_birth_date() -> None:
    first17 = "11010519990231002"  # 1999-02-31
    assert problem("201", first17 + check_char(first17)).code == "bad_birth_date"


def test_future_birth_date() -> None:
    tomorrow = make_resident_id("360102", date(2026, 11, 24), 11)
    assert problem("201", tomorrow).code == "bad_birth_date"
    assert problem("201", make_resident_id("360102", date(1899, 12, 31), 11)).code == "bad_birth_date"


def test_too_young_boundary() -> None:
    number = make_resident_id("360102", date(2010, 11, 24), 11)
    err = problem("201", number)
    assert err.code == "too_young" and err.params["age"] == 15
    assert parse_id("201", number, date(2026, 11, 24)).birth_date == date(2010, 11, 24)  # 16th birthday


def test_age_on_29_february() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2024, 2, 28)) == 15
    assert age_on(born, date(2024, 2, 29)) == 16
    assert age_on(born, date(2025, 2, 28)) == 16
    number = make_resident_id("360102", date(2010, 2, 28), 1)
    assert problem("201", number, date(2026, 2, 27)).code == "too_young"
    assert parse_id("201", number, date(2026, 2, 28)).number == number


# ---- other ID types ----


@pytest.mark.parametrize(
    "id_type, raw",
    [
        ("227", "E12345678"),
        ("227", "ea1234567"),
        ("208", "X1234567"),
        ("208", "５３３３８０００６"),
        ("239", "A123456789012"),
        ("240", "12345"),
        ("241", "C12345678901234567"),
        ("210", "H12345678"),
        ("210", "m1234567801"),
        ("213", "12345678"),
        ("213", "1234567801"),
        ("237", HK_RESIDENCE_SAMPLE),
        ("237", make_resident_id("820000", date(2000, 9, 10), 3)),
        ("238", TW_RESIDENCE_SAMPLE),
        ("233", "USA110080101012"),
        ("233", "9" + "36840199001010" + "12" + check_char("93684019900101012")[0]),
        ("299", "军字第1234567号"),
        ("299", "A"),
    ],
)
def test_other_types_accept(id_type: str, raw: str) -> None:
    parsed = parse_id(id_type, raw, TODAY)
    assert parsed.birth_date is None and parsed.gender is None
    assert parsed.number and " " not in parsed.number


def test_other_types_normalize() -> None:
    assert parse_id("227", " e 1234-5678 ", TODAY).number == "E12345678"


@pytest.mark.parametrize(
    "id_type, raw",
    [
        ("227", "E123"),  # too short
        ("227", "E" + "1" * 20),  # too long
        ("208", "AB12#456"),
        ("239", "许可证123456"),
        ("210", "H1234567"),
        ("210", "A12345678"),
        ("210", "H123456789"),
        ("213", "1234567"),
        ("213", "T12345678"),
        ("237", TW_RESIDENCE_SAMPLE),  # 83 belongs to 238
        ("238", HK_RESIDENCE_SAMPLE),
        ("237", "810000199408230022"),  # wrong check character
        ("237", GB_SAMPLE),  # a 居民身份证 number
        ("237", "81000019940231" + "002" + check_char("81000019940231002")),  # 1994-02-31
        ("233", "US1100801010123"),  # 2 letters
        ("233", "936840199001010120"[:17] + "Y"),
        ("233", "800000199001010120"),  # new format starts with 9
        ("299", ""),
        ("299", "x" * 31),
        ("299", "\u200b"),  # zero-width space: not printable
    ],
)
def test_other_types_reject(id_type: str, raw: str) -> None:
    assert problem(id_type, raw).code == "bad_format"


def test_permanent_residence_new_format_checksum() -> None:
    first17 = "93684019900101012"
    good = first17 + check_char(first17)
    assert parse_id("233", good, TODAY).number == good
    bad = first17 + ALPHABET[(ALPHABET.index(good[-1]) + 1) % 11]
    assert problem("233", bad).code == "bad_format"


# ---- form values against the number ----


def test_check_birth_gender() -> None:
    parsed = parse_id("201", GB_SAMPLE, TODAY)
    assert check_birth_gender(parsed, date(1949, 12, 31), "female") == []
    assert check_birth_gender(parsed, date(1949, 12, 30), "female") == ["birth_mismatch"]
    assert check_birth_gender(parsed, date(1949, 12, 31), "male") == ["gender_mismatch"]
    assert check_birth_gender(parsed, date(1950, 1, 1), "male") == ["birth_mismatch", "gender_mismatch"]
    assert check_birth_gender(parsed, None, None) == []
    passport = parse_id("227", "E12345678", TODAY)
    assert check_birth_gender(passport, date(1990, 1, 1), "male") == []


# ---- properties ----

valid_ids = st.builds(
    make_resident_id,
    st.sampled_from(["110105", "360102", "360111", "430104", "440305", "650102", "710000"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 11, 23)),
    st.integers(min_value=0, max_value=999),
)


@given(valid_ids)
def test_valid_numbers_parse_and_round_trip(number: str) -> None:
    parsed = parse_id("201", number, TODAY)
    assert parsed.number == number
    assert parsed.birth_date is not None and f"{parsed.birth_date:%Y%m%d}" == number[6:14]
    assert parsed.gender == ("male" if int(number[16]) % 2 else "female")
    assert check_birth_gender(parsed, parsed.birth_date, parsed.gender) == []


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_single_character_change_is_rejected(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = number[:position] + replacement + number[position + 1 :]
    err = problem("201", changed)
    allowed = {"bad_checksum", "bad_birth_date", "bad_region"} | ({"bad_chars"} if replacement == "X" else set())
    assert err.code in allowed


ID_ISH = st.text(alphabet="0123456789Xx -１２ｘHME", min_size=14, max_size=20)


@given(st.sampled_from([t.code for t in ID_TYPES] + ["000"]), st.one_of(st.text(max_size=40), ID_ISH))
def test_arbitrary_text_only_raises_id_problem(id_type: str, raw: str) -> None:
    try:
        parsed = parse_id(id_type, raw, TODAY)
    except IdProblem as err:
        assert isinstance(err.code, str) and isinstance(err.params, dict)
    else:
        assert parsed.number
