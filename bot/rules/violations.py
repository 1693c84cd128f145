"""The candidate violation catalogue (DOMAIN V1–V3; 003 附件2 技能人才评价违纪违规行为处理工作指引 §5–7) and the
sanction each prescribes. Pure data and date arithmetic; text lives in the locales (`violation.<code>`,
`sanction.<sanction>`).

A code is `<rule>.<item>` (e.g. `V2.device`); `article` is the article and item of the guideline it cites
(`§6(一)`). V3 items carry two sanctions (minor: two years, serious: five years); the reporter proposes one and the
room head's approval fixes it. V4 (found after the event) uses the same catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules import eligibility

CANCEL_SUBJECT = "cancel_subject"  # V1: this subject's score of this sitting is cancelled
CANCEL_ALL_YEAR = "cancel_year"  # V2: all subjects cancelled, no evaluation for the rest of the calendar year
BAN_2Y = "ban_2y"  # V3 minor: all subjects cancelled, two years without evaluation
BAN_5Y = "ban_5y"  # V3 serious: all subjects cancelled, five years without evaluation (and referral)
SANCTIONS = (CANCEL_SUBJECT, CANCEL_ALL_YEAR, BAN_2Y, BAN_5Y)


@dataclass(frozen=True)
class Violation:
    """One catalogue entry: code, the rule (V1/V2/V3), the guideline article and the sanctions it allows."""

    code: str
    rule: str
    article: str
    sanctions: tuple[str, ...]


def _items(rule: str, section: int, names: tuple[str, ...], sanctions: tuple[str, ...]) -> tuple[Violation, ...]:
    numerals = "一二三四五六七"
    return tuple(Violation(f"{rule}.{name}", rule, f"§{section}({numerals[i]})", sanctions) for i, name in enumerate(names))


CATALOGUE: tuple[Violation, ...] = (
    *_items("V1", 5, ("items", "seat", "noise", "other"), (CANCEL_SUBJECT,)),
    *_items("V2", 6, ("device", "copying", "damage", "removal", "cheating"), (CANCEL_ALL_YEAR,)),
    *_items("V3", 7, ("false_pledge", "leak", "seizing", "impersonation", "collusion", "equipment", "grave"), (BAN_2Y, BAN_5Y)),
)
RULES = ("V1", "V2", "V3")
_BY_CODE = {v.code: v for v in CATALOGUE}


def by_code(code: str) -> Violation | None:
    """The catalogue entry of a code, or None."""
    return _BY_CODE.get(code)


def of_rule(rule: str) -> tuple[Violation, ...]:
    """The entries of one rule (V1, V2 or V3), in guideline order."""
    return tuple(v for v in CATALOGUE if v.rule == rule)


def allowed(code: str, sanction: str) -> bool:
    """True when the sanction is one the violation prescribes."""
    found = by_code(code)
    return found is not None and sanction in found.sanctions


def cancels_all_subjects(sanction: str) -> bool:
    """V2 and V3 cancel every subject of the sitting's batch; V1 only the subject of the sitting."""
    return sanction != CANCEL_SUBJECT


def ban_until(sanction: str, effective: date) -> date | None:
    """Last banned day (inclusive) a sanction imposes from its effective date, or None (V1 bans nobody).

    One rule for the whole bot: `bot.rules.eligibility.ban_until` (V2 to the end of that year; V3 two or five years,
    counted from the day after as 民法典 §201–202 do).
    """
    kind = ban_kind(sanction)
    return None if kind is None else eligibility.ban_until(kind, effective, severe=sanction == BAN_5Y)


def ban_kind(sanction: str) -> str | None:
    """The `ban.kind` of a sanction (V2 or V3), or None when it bans nobody."""
    return {CANCEL_ALL_YEAR: "V2", BAN_2Y: "V3", BAN_5Y: "V3"}.get(sanction)
