"""Words evaluation bodies must not use in advertising: pass promises and official names (DOMAIN O2, 003 (十九)).

Announcements and broadcasts are checked against this table; `offending` returns the words found so the
sender can be told exactly what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.normalize import nfkc

CITATION = "003 (十九)"
Kind = Literal["promise", "official_name"]


@dataclass(frozen=True)
class AdvertisingWord:
    """One forbidden word: a pass promise or an official name that suggests government endorsement."""

    word: str
    kind: Kind
    citation: str = CITATION


# 003 (十九): 不得以“包过”“保过”“包获证”等承诺招揽考生，不得在宣传中使用“中华人民共和国”“中国”“国家”
# “人力资源社会保障部门”“职业技能鉴定中心”等字样。
ADVERTISING_WORDS: tuple[AdvertisingWord, ...] = (
    AdvertisingWord("包过", "promise"),
    AdvertisingWord("保过", "promise"),
    AdvertisingWord("包获证", "promise"),
    AdvertisingWord("中华人民共和国", "official_name"),
    AdvertisingWord("中国", "official_name"),
    AdvertisingWord("国家", "official_name"),
    AdvertisingWord("人力资源社会保障部门", "official_name"),
    AdvertisingWord("职业技能鉴定中心", "official_name"),
)

# Naming the standard the conditions follow is a citation, not advertising (R3: 国家职业技能标准).
CITED_TITLES: tuple[str, ...] = ("国家职业技能标准", "国家职业标准")

_IGNORED = re.compile(r"[\s\u200b-\u200d\ufeff·•.,，。、\-_*~|/\\'\"“”‘’]+")


def _normalized(text: str) -> str:
    """NFKC without spaces and filler punctuation, so `包 过` or `包-过` are still found."""
    return _IGNORED.sub("", nfkc(text))


def offending(text: str) -> tuple[str, ...]:
    """Forbidden advertising words in `text`, in table order, each once; empty when the text is clean."""
    value = _normalized(text)
    for title in CITED_TITLES:
        value = value.replace(title, "")
    return tuple(entry.word for entry in ADVERTISING_WORDS if entry.word in value)
