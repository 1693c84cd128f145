"""Certificate numbers (DOMAIN K2, 人社鉴发〔2019〕2号): 22 characters, pluggable validators per format.

Layout of the national 职业技能等级证书 number, positions 1-22:
1 evaluator category (Y 用人单位, S 社会培训评价组织) · 2-5 evaluator code (0000 when filed with the province) ·
6-7 province code · 8-13 evaluator (site) serial · 14-15 issue year · 16 level (1 = 一级 … 5 = 五级) ·
17-22 certificate serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from bot.rules.id_numbers import PROVINCES

CATEGORIES = ("S", "Y")
_K2 = re.compile(r"^([SY])([0-9]{4})([0-9]{2})([0-9]{6})([0-9]{2})([1-5])([0-9]{6})$")
_LEGACY_QUALIFICATION = re.compile(r"^[0-9]{16}$")  # older 职业资格证书 numbers


@dataclass(frozen=True)
class K2Number:
    """The parts of a national skill-level certificate number."""

    category: str
    evaluator_code: str
    province: str
    site_serial: str
    year: str
    level: int
    serial: str

    def __str__(self) -> str:
        """The 22-character number."""
        return (
            f"{self.category}{self.evaluator_code}{self.province}{self.site_serial}"
            f"{self.year}{self.level}{self.serial}"
        )


def format_k2(category: str, evaluator_code: str, province: str, site_serial: str, year: int, level: int, serial: int) -> str:
    """Compose a K2 number; ValueError when a part does not fit its field."""
    number = f"{category}{evaluator_code}{province}{site_serial}{year % 100:02d}{level}{serial:06d}"
    if parse_k2(number) is None:
        raise ValueError("parts do not form a valid K2 certificate number")
    return number


def parse_k2(number: str) -> K2Number | None:
    """Split a K2 number into its parts; None when it is not one (wrong shape, level or province)."""
    match = _K2.match(number)
    if not match or int(match.group(3)) not in PROVINCES:
        return None
    category, code, province, site, year, level, serial = match.groups()
    return K2Number(category, code, province, site, year, int(level), serial)


def is_k2_number(number: str) -> bool:
    """True for a well-formed national skill-level certificate number."""
    return parse_k2(number) is not None


def is_legacy_qualification_number(number: str) -> bool:
    """True for a 16-digit 职业资格证书 number (shape only: its parts are not published for checking)."""
    return bool(_LEGACY_QUALIFICATION.match(number))


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "k2": is_k2_number,
    "legacy16": is_legacy_qualification_number,
}


def certificate_format(number: str) -> str | None:
    """Name of the first format a (normalized) number matches, or None."""
    return next((name for name, check in VALIDATORS.items() if check(number)), None)
