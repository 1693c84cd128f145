"""Admission-ticket numbers: `YY BBBB L SSSS` — exam year, batch id, level digit, sequence within the batch.

Example: 26 0007 4 0012 → "26000740012" (2026, batch 7, 四级, the twelfth ticket of the batch). Digits only, so
candidates can copy it onto answer sheets (C5). A number is generated once, when the candidate first gets a seat,
and never changes; batch ids above 9999 simply widen that field, which keeps numbers unique.
"""

from __future__ import annotations

import re

MAX_SEQUENCE = 9999
PATTERN = re.compile(r"^\d{2}\d{4,}[1-5]\d{4}$")


def make(year: int, batch_id: int, level: int, sequence: int) -> str:
    """The ticket number; ValueError for a level outside 1-5 or a sequence outside 1-9999."""
    if not 1 <= level <= 5:
        raise ValueError("level must be 1..5")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError("sequence must be 1..9999")
    return f"{year % 100:02d}{batch_id:04d}{level}{sequence:04d}"


def looks_like(text: str) -> bool:
    """True when `text` has the shape of a ticket number."""
    return bool(PATTERN.match(text.strip()))
