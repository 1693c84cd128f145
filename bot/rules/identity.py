"""Validation of the ID type + ID number pair on the application form (DOMAIN R4, R5).

`parse_id` normalizes the typed number (`bot.normalize.id_like`) and either returns a `ParsedId` or raises
`IdProblem` with a machine code and message params; the UI maps codes to locale keys. Nothing here reveals
what a correct number would be (no expected check character in the params).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.normalize import id_like
from bot.rules import id_numbers
from bot.rules.id_types import RESIDENT_ID, by_code

Gender = Literal["male", "female"]

# 劳动法 第十五条: employers may not hire minors under 16 周岁 — the minimum working age, so the minimum age to apply.
MIN_WORKING_AGE = 16
# Birth dates before this are treated as typing errors (id_numbers accepts from 1850 for data imports).
EARLIEST_BIRTH = date(1900, 1, 1)

# 居民身份证 region prefixes: the GB/T 2260 provinces; 81/82/83 are only issued on 港澳台居民居住证 (237/238).
RESIDENT_PROVINCES = id_numbers.PROVINCES - {81, 82, 83}
# 港澳台居民居住证申领发放办法 (国办发〔2018〕81号): the number follows GB 11643 with address code
# 810000 香港 / 820000 澳门 (type 237) and 830000 台湾 (type 238); we check the two-digit prefix.
RESIDENCE_PREFIXES = {"237": ("81", "82"), "238": ("83",)}

_ALNUM_5_20 = re.compile(r"[A-Z0-9]{5,20}")
_PATTERNS = {
    "227": _ALNUM_5_20,  # 中国护照 (E/EA/G/P/D/S + digits; kept generic so older books pass)
    "208": _ALNUM_5_20,  # 外国护照
    "239": _ALNUM_5_20,  # 外国人工作许可证 A/B/C
    "240": _ALNUM_5_20,
    "241": _ALNUM_5_20,
    "210": re.compile(r"[HM][0-9]{8}([0-9]{2})?"),  # 港澳居民来往内地通行证: H/M + 8 digits (+2-digit issue count)
    "213": re.compile(r"[0-9]{8}([0-9]{2})?"),  # 台湾居民来往大陆通行证: 8 digits (+2-digit issue count)
}
# 外国人永久居留身份证: until Nov 2023 15 characters = 3 Latin letters (nationality) + 12 digits; since
# 2023-12-01 (国家移民管理局《新版外国人永久居留身份证机读信息规则(2023版)》) 17 digits + a MOD 11-2 check
# character like GB 11643, the first digit being 9. Both versions stay valid.
_PERMANENT_OLD = re.compile(r"[A-Z]{3}[0-9]{12}")
_PERMANENT_NEW = re.compile(r"9[0-9]{16}[0-9X]")
_GB11643_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
OTHER_MAX_LENGTH = 30


# Every IdProblem code parse_id can raise (the UI has one message per code).
PROBLEM_CODES = (
    "unknown_type",
    "bad_chars",
    "old_15_digit",
    "bad_length",
    "bad_region",
    "bad_birth_date",
    "bad_checksum",
    "too_young",
    "bad_format",
)


class IdProblem(Exception):
    """An ID number the form cannot accept: `code` names the problem, `params` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = params

    def __repr__(self) -> str:
        return f"IdProblem({self.code!r}, **{self.params!r})"


@dataclass(frozen=True)
class ParsedId:
    """A normalized ID number and, for 居民身份证, the birth date and gender it encodes."""

    number: str
    birth_date: date | None = None
    gender: Gender | None = None


def age_on(born: date, today: date) -> int:
    """Age in completed years on `today`; someone born on 29 Feb turns a year older on 1 Mar in common years."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_id(id_type: str, raw: str, today: date) -> ParsedId:
    """Normalize and validate `raw` as a number of ID type `id_type` (R5 code); raise IdProblem if unusable."""
    if by_code(id_type) is None:
        raise IdProblem("unknown_type", id_type=id_type)
    number = id_like(raw)
    if id_type == RESIDENT_ID:
        return _resident_id(number, today)
    if id_type in RESIDENCE_PREFIXES:
        if not _is_gb11643(number, RESIDENCE_PREFIXES[id_type], today):
            raise IdProblem("bad_format")
        return ParsedId(number)
    if id_type == "233":
        old = _PERMANENT_OLD.fullmatch(number) is not None
        new = _PERMANENT_NEW.fullmatch(number) is not None and id_numbers.check_char(number[:17]) == number[17]
        if not (old or new):
            raise IdProblem("bad_format")
        return ParsedId(number)
    if id_type == "299":
        if not 1 <= len(number) <= OTHER_MAX_LENGTH or not number.isprintable():
            raise IdProblem("bad_format")
        return ParsedId(number)
    if not _PATTERNS[id_type].fullmatch(number):
        raise IdProblem("bad_format")
    return ParsedId(number)


def check_birth_gender(parsed: ParsedId, birth: date | None, gender: str | None) -> list[str]:
    """Codes for form values that disagree with the number (R5): "birth_mismatch", "gender_mismatch"."""
    problems: list[str] = []
    if parsed.birth_date is not None and birth is not None and birth != parsed.birth_date:
        problems.append("birth_mismatch")
    if parsed.gender is not None and gender is not None and gender != parsed.gender:
        problems.append("gender_mismatch")
    return problems


def _resident_id(number: str, today: date) -> ParsedId:
    """GB 11643-1999 checks in the order the UI explains them: characters, length, region, date, check, age."""
    if any(c not in "0123456789X" for c in number):
        raise IdProblem("bad_chars")
    if len(number) == 15 and number.isdigit():
        raise IdProblem("old_15_digit")  # first-generation card number (pre-1999): the UI asks for the 18-digit one
    if len(number) != 18:
        raise IdProblem("bad_length", length=len(number))
    if "X" in number[:17]:
        raise IdProblem("bad_chars")  # X is only the check character
    if int(number[:2]) not in RESIDENT_PROVINCES:
        raise IdProblem("bad_region")
    born = _birth(number, today)
    if born is None:
        raise IdProblem("bad_birth_date")
    if id_numbers.check_char(number[:17]) != number[17]:
        raise IdProblem("bad_checksum")
    age = age_on(born, today)
    if age < MIN_WORKING_AGE:
        raise IdProblem("too_young", age=age, min_age=MIN_WORKING_AGE)
    return ParsedId(number, born, id_numbers.gender(number))


def _birth(number: str, today: date) -> date | None:
    """The encoded birth date if it is a real date between EARLIEST_BIRTH and today, else None."""
    try:
        born = id_numbers.birth_date(number)
    except ValueError:
        return None
    return born if EARLIEST_BIRTH <= born <= today else None


def _is_gb11643(number: str, prefixes: tuple[str, ...], today: date) -> bool:
    """True for an 18-character GB 11643 number with one of the prefixes, a plausible birth date and check."""
    return (
        _GB11643_SHAPE.fullmatch(number) is not None
        and number.startswith(prefixes)
        and _birth(number, today) is not None
        and id_numbers.check_char(number[:17]) == number[17]
    )
