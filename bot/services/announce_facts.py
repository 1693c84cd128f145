"""Facts the announcement form needs: filed occupations (L5) with their institution, used titles, today."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from storage.repositories import announcements


async def announce_facts(app: App, session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Occupations with filed levels, whether several institutions exist, titles in use per institution."""
    occupations = [
        {
            "id": occupation.id,
            "institution_id": institution.id,
            "institution": institution.name,
            "code": occupation.code,
            "name": occupation.name,
            "work_type": occupation.work_type,
            "levels": sorted(occupation.levels, reverse=True),
        }
        for occupation, institution in await announcements.filed_occupations(session)
    ]
    titles = await announcements.titles_by_institution(session)
    return {
        "today": now.astimezone(app.tz).date().isoformat(),
        "occupations": occupations,
        "several": len({o["institution_id"] for o in occupations}) > 1,
        "titles": {str(k): v for k, v in titles.items()},
    }
