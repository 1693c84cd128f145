"""Facts the application form needs: open announcements, the next receipt number, bans and duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from flows.state import ConversationState
from storage.models import UserAccount
from storage.repositories import applications, catalog


def local_today(now: datetime, tz: ZoneInfo) -> str:
    """ISO calendar date of `now` in the configured time zone."""
    return now.astimezone(tz).date().isoformat()


def application_number(year: int, serial: int) -> str:
    """Receipt number `SQ<year><6-digit serial>` (SQ = 申请)."""
    return f"SQ{year}{serial:06d}"


async def apply_facts(app: App, session: AsyncSession, user: UserAccount, state: ConversationState, now: datetime) -> dict[str, Any]:
    """Announcements open now, next application number, and for the draft's ID number: bans and a duplicate."""
    today = local_today(now, app.tz)
    announcements = []
    for announcement, occupation in await catalog.open_announcements(session):
        announcements.append(
            {
                "id": announcement.id,
                "title": announcement.title,
                "occupation_id": occupation.id,
                "occupation": occupation.name,
                "work_type": occupation.work_type,
                "filed_levels": list(occupation.levels),
                "levels": list(announcement.levels),
                "start": announcement.registration_start.isoformat(),
                "end": announcement.registration_end.isoformat(),
                "conditions": dict(announcement.conditions),
                "sites": list(announcement.sites),
                "fee": announcement.fee_yuan,
            }
        )
    year = int(today[:4])
    facts: dict[str, Any] = {
        "today": today,
        "announcements": announcements,
        "next_number": application_number(year, await applications.count_in_year(session, year) + 1),
        "bans": [],
        "duplicate": None,
    }
    draft = state.forms.get("apply")
    resubmitting = draft.values.get("__resubmit_number") if draft else None
    if resubmitting:  # fixing a returned application keeps its number (flows/my.py)
        facts["next_number"] = resubmitting
    identity = draft.values.get("id_number") if draft else None
    if isinstance(identity, dict) and identity.get("number"):
        id_hash = app.cipher.lookup_hash(identity["number"]) or ""
        facts["bans"] = [
            {"kind": b.kind, "until": b.until.isoformat(), "reason": b.reason}
            for b in await applications.active_bans(session, id_hash, now.astimezone(app.tz).date())
        ]
        announcement_id = draft.values.get("announcement") if draft else None
        if announcement_id:
            duplicate = await applications.active_duplicate(session, int(announcement_id), id_hash)
            facts["duplicate"] = duplicate.number if duplicate and duplicate.number != resubmitting else None
    return facts
