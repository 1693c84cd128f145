"""Input normalization shared by all flows: full-width characters, spaces, case."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_MIDDLE_DOTS = "·•‧∙・"


def nfkc(text: str) -> str:
    """Full-width digits/letters/punctuation to their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """NFKC plus removal of every whitespace character."""
    return _SPACES.sub("", nfkc(text))


def id_like(text: str) -> str:
    """Normalize an ID or certificate number: NFKC, no spaces/dashes, upper case."""
    return compact(text).replace("-", "").upper()


def person_name(text: str) -> str:
    """Normalize a personal name: trimmed, inner spaces collapsed, middle dots unified to '·'."""
    value = _SPACES.sub(" ", nfkc(text).strip())
    for dot in _MIDDLE_DOTS:
        value = value.replace(dot, "·")
    if re.search(r"[\u4e00-\u9fff]", value):
        value = value.replace(" ", "")
    return value


def phone_digits(text: str) -> str:
    """Digits of a phone number with an optional leading + kept."""
    value = compact(text)
    plus = value.startswith("+")
    digits = re.sub(r"\D", "", value)
    return ("+" if plus else "") + digits
