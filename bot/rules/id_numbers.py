"""居民身份证 numbers (GB 11643-1999, DOMAIN R5): ISO 7064 MOD 11-2 check character, birth date, gender.

All functions are pure and expect an already normalized value (see `bot.normalize.id_like`): 18 characters,
17 digits and a check character 0-9 or upper-case X.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
EARLIEST_BIRTH = date(1850, 1, 1)
# First two digits of the region code: provinces, autonomous regions, municipalities; 71 台湾, 81 香港,
# 82 澳门, 83 台湾居民居住证 (GB/T 2260 and the 居住证 rules).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
Gender = Literal["male", "female"]


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits; ValueError unless they are 17 ASCII digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def birth_date(number: str) -> date:
    """The birth date encoded in positions 7-14; ValueError when it is not a real calendar date."""
    if len(number) < 14 or not number[6:14].isascii() or not number[6:14].isdigit():
        raise ValueError("no YYYYMMDD birth date at positions 7-14")
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> Gender:
    """Gender from the parity of the sequence digit (position 17): odd is male, even is female."""
    if len(number) < 17 or not number[16].isdigit():
        raise ValueError("no sequence digit at position 17")
    return "male" if int(number[16]) % 2 == 1 else "female"


def is_valid_resident_id(number: str, today: date | None = None) -> bool:
    """True for a well-formed 18-character number: known province, real birth date (not after `today`), check."""
    if not isinstance(number, str) or not _SHAPE.match(number):
        return False
    if int(number[:2]) not in PROVINCES:
        return False
    try:
        born = birth_date(number)
    except ValueError:
        return False
    if born < EARLIEST_BIRTH or (today is not None and born > today):
        return False
    return check_char(number[:17]) == number[17]


def make_resident_id(region: str, born: date, sequence: int) -> str:
    """Build a valid number from a 6-digit region code, a birth date and a sequence 0-999 (parity = gender)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0-999")
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
