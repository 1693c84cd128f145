"""A batch's deadlines under a policy profile with the calendar in use (official + loaded years), and their output
form: `{"rule", "title", "due", "basis", "provisional", "kind", "anchor"}` with the title in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import I18n
from bot.rules.deadlines import Deadline, Profile, derive, waiting
from bot.services.work_calendar import load_calendar


@dataclass(frozen=True)
class BatchDeadlines:
    """The derived deadlines and the rules still waiting for an event (rule id, event name)."""

    profile: Profile
    deadlines: tuple[Deadline, ...]
    waiting: tuple[tuple[str, str], ...]

    @property
    def provisional(self) -> bool:
        """True when any date depends on a year without holiday data."""
        return any(d.provisional for d in self.deadlines)


async def batch_deadlines(session: AsyncSession, profile: Profile, events: Mapping[str, date | None]) -> BatchDeadlines:
    """Derive the profile's deadlines for the events with the official and loaded holiday data."""
    calendar = await load_calendar(session)
    return BatchDeadlines(profile, tuple(derive(profile, events, calendar)), tuple(waiting(profile, events, calendar)))


def title(i18n: I18n, locale: str, rule: str) -> str:
    """The localized title of a rule (`deadline.<rule>.title`)."""
    return i18n.render(locale, f"deadline.{rule}.title")


def as_records(i18n: I18n, locale: str, deadlines: tuple[Deadline, ...] | list[Deadline]) -> list[dict[str, Any]]:
    """JSON-ready records: rule, title, due (ISO), basis, provisional, kind (due / not_before), anchor (event name)."""
    return [
        {
            "rule": d.rule,
            "title": title(i18n, locale, d.rule),
            "due": d.due.isoformat(),
            "basis": d.basis,
            "provisional": d.provisional,
            "kind": d.kind,
            "anchor": d.anchor,
        }
        for d in deadlines
    ]
