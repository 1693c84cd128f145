"""Announcements in the store: create from the form, upsert from an import, list and close; every change audited."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.rules.announcements import AnnouncementSpec
from flows.announce_effects import CloseAnnouncement, CreateAnnouncement
from flows.menu import is_staff
from storage.models import Announcement, Occupation, UserAccount
from storage.repositories import announcements, audit, catalog

Change = Literal["created", "updated", "unchanged"]
EFFECTS = (CreateAnnouncement, CloseAnnouncement)
_AUDITED = (
    "occupation_id", "title", "levels", "conditions", "registration_start", "registration_end", "sites", "fee_yuan", "status",
)


def snapshot(row: Announcement) -> dict[str, Any]:
    """The audited fields of an announcement (no personal data in it)."""
    out = {name: getattr(row, name) for name in _AUDITED}
    out["registration_start"] = row.registration_start.isoformat()
    out["registration_end"] = row.registration_end.isoformat()
    return out


async def _filed_occupation(session: AsyncSession, institution_id: int, occupation_id: int, levels: list[int]) -> Occupation:
    """The occupation, checked to belong to the institution and to be filed for every level (L5)."""
    occupation = await session.get(Occupation, occupation_id)
    if occupation is None or occupation.institution_id != institution_id:
        raise ValueError(f"occupation {occupation_id} is not filed by institution {institution_id}")
    if not set(levels) <= set(occupation.levels):
        raise ValueError(f"levels {levels} are not all filed for occupation {occupation_id}")
    return occupation


async def create(session: AsyncSession, actor_id: int | None, effect: CreateAnnouncement, action: str = "create") -> Announcement:
    """Insert an open announcement and audit it under `action`."""
    await _filed_occupation(session, effect.institution_id, effect.occupation_id, effect.levels)
    row = Announcement(
        institution_id=effect.institution_id,
        occupation_id=effect.occupation_id,
        title=effect.title,
        levels=list(effect.levels),
        conditions=dict(effect.conditions),
        registration_start=date.fromisoformat(effect.registration_start),
        registration_end=date.fromisoformat(effect.registration_end),
        sites=list(effect.sites),
        fee_yuan=effect.fee_yuan,
        status="open",
    )
    await catalog.add(session, row)
    await audit.record(session, actor_id, action, "announcement", row.id or 0, None, snapshot(row))
    return row


async def close(session: AsyncSession, actor_id: int | None, announcement_id: int) -> bool:
    """Close an open announcement and audit it; False when it is missing or not open."""
    row = await announcements.get(session, announcement_id)
    if row is None or row.status != "open":
        return False
    before = {"status": row.status}
    row.status = "closed"
    session.add(row)
    await audit.record(session, actor_id, "close", "announcement", announcement_id, before, {"status": row.status})
    return True


async def apply_effect(session: AsyncSession, user: UserAccount, effect: Any) -> None:
    """Carry out an announcement effect for a staff member (the role is checked again here)."""
    if not is_staff(user.role):
        raise PermissionError(f"role {user.role} may not change announcements")
    if isinstance(effect, CreateAnnouncement):
        await create(session, user.id, effect)
    elif isinstance(effect, CloseAnnouncement):
        await close(session, user.id, effect.announcement_id)
    else:
        raise TypeError(f"unknown effect {type(effect).__name__}")


async def upsert(
    session: AsyncSession, actor_id: int | None, institution_id: int, occupation_id: int, spec: AnnouncementSpec
) -> tuple[Change, Announcement]:
    """Create the announcement, or update the institution's one with the same title; audited when anything changes."""
    levels = spec.level_numbers()
    await _filed_occupation(session, institution_id, occupation_id, levels)
    row = await catalog.announcement_by_title(session, institution_id, spec.title)
    if row is None:
        effect = CreateAnnouncement(
            institution_id, occupation_id, spec.title, levels, spec.conditions(), spec.registration_start.isoformat(),
            spec.registration_end.isoformat(), list(spec.sites), spec.fee_yuan,
        )
        return "created", await create(session, actor_id, effect, "import_create")
    before = snapshot(row)
    row.occupation_id, row.levels, row.conditions = occupation_id, levels, spec.conditions()
    row.registration_start, row.registration_end = spec.registration_start, spec.registration_end
    row.sites, row.fee_yuan = list(spec.sites), spec.fee_yuan
    after = snapshot(row)
    if after == before:
        return "unchanged", row
    session.add(row)
    changed = [k for k in _AUDITED if before[k] != after[k]]
    old, new = {k: before[k] for k in changed}, {k: after[k] for k in changed}
    await audit.record(session, actor_id, "import_update", "announcement", row.id or 0, old, new)
    return "updated", row


async def open_rows(session: AsyncSession) -> list[dict[str, Any]]:
    """Open announcements for the staff list: id, title, occupation, levels, window."""
    return [
        {
            "id": a.id,
            "title": a.title,
            "occupation": o.name,
            "work_type": o.work_type,
            "levels": sorted(a.levels, reverse=True),
            "start": a.registration_start.isoformat(),
            "end": a.registration_end.isoformat(),
        }
        for a, o in await catalog.open_announcements(session)
    ]


async def row_for_close(session: AsyncSession, announcement_id: int) -> dict[str, Any] | None:
    """Id, title and status of an announcement, or None when there is none with this id."""
    row = await announcements.get(session, announcement_id)
    return None if row is None else {"id": row.id, "title": row.title, "status": row.status}
