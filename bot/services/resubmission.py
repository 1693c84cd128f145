"""A user's applications (/my) and fixing a rejected / needs-supplement one: prefill, then update in place."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services.review import local_time
from flows.review_card import FIXABLE, NEEDS_SUPPLEMENT, SUBMITTED
from storage.models import Application, Occupation, UserAccount, utcnow
from storage.repositories import applications, audit

RESIDENT_ID = "201"
# Columns a resubmission replaces; number, owner, review trail and timestamps stay with the application.
KEPT = frozenset({"id", "number", "user_id", "status", "review_note", "reviewed_by", "reviewed_at", "submitted_at", "updated_at"})


async def my_facts(app: App, session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The user's applications, newest first, with occupation, status and the reviewer's note."""
    rows = []
    for application in await applications.of_user(session, user_id):
        occupation = await session.get(Occupation, application.occupation_id)
        rows.append(
            {
                "id": application.id,
                "number": application.number,
                "occupation": occupation.name if occupation else "",
                "work_type": occupation.work_type if occupation else "",
                "level": application.level,
                "status": application.status,
                "note": application.review_note,
                "submitted": local_time(application.submitted_at, app.tz),
            }
        )
    return rows


def _held_values(held: list[dict[str, Any]]) -> dict[str, Any]:
    if not held:
        return {"held_cert": "none"}
    first = held[0]
    values: dict[str, Any] = {"held_cert": first.get("kind") or "none"}
    if first.get("level"):
        values["held_title_level" if values["held_cert"] == "title" else "held_level"] = str(first["level"])
    for key in ("name", "number", "date", "issuer"):
        if first.get(key):
            values[f"held_{key}"] = first[key]
    return values


def form_values(app: App, application: Application) -> dict[str, Any]:
    """The stored application in the apply form's value shapes (ID number and mobile decrypted in memory)."""
    resident = application.id_type == RESIDENT_ID
    birth = application.birth_date.isoformat()
    values: dict[str, Any] = {
        "announcement": str(application.announcement_id),
        "level": str(application.level),
        "name": application.name,
        "id_type": application.id_type,
        "id_number": {
            "number": app.cipher.decrypt(application.id_number_enc),
            "birth": birth if resident else None,
            "gender": application.gender if resident else None,
        },
        "mobile": app.cipher.decrypt(application.mobile_enc),
        "category": application.category,
        "work_unit": application.work_unit,
        "education": application.education,
        "major": application.major,
        **_held_values(list(application.held_certificates or [])),
        "post": application.post,
        "years": float(application.years_in_post),
        "subjects": "+".join(application.subjects or []),
        "photo": dict(application.photo or {}),
        "documents": list(application.documents or []),
        "__resubmit_of": application.id,
        "__resubmit_number": application.number,
    }
    if not resident:
        values["birth_date"] = birth
        values["gender"] = application.gender
    return values


async def fix_facts(app: App, session: AsyncSession, user_id: int, application_id: int | None) -> dict[str, Any] | None:
    """Prefill for fixing one of the user's rejected / needs-supplement applications; by default the newest
    application awaiting supplements (what /apply reopens). None when there is nothing the user may fix."""
    if application_id is not None:
        found = await applications.get(session, application_id)
        ok = found is not None and found.user_id == user_id and found.status in FIXABLE
        application = found if ok else None
    else:
        query = (
            select(Application)
            .where(Application.user_id == user_id, Application.status == NEEDS_SUPPLEMENT)
            .order_by(col(Application.id).desc())
        )
        application = (await session.exec(query)).first()
    if application is None:
        return None
    return {"values": form_values(app, application), "status": application.status, "note": application.review_note}


async def update_existing(session: AsyncSession, user: UserAccount, application_id: int, fresh: Application) -> Application:
    """Replace a fixable application's answers with `fresh` (not persisted) and queue it for review again."""
    existing = await session.get(Application, application_id, populate_existing=True, with_for_update=True)
    if existing is None or existing.user_id != user.id or existing.status not in FIXABLE:
        raise ValueError("this application cannot be resubmitted")
    before = {"status": existing.status}
    for name in Application.model_fields:
        if name not in KEPT:
            setattr(existing, name, getattr(fresh, name))
    existing.status = SUBMITTED
    existing.submitted_at = existing.updated_at = utcnow()
    session.add(existing)
    await session.flush()
    after = {"number": existing.number, "status": SUBMITTED, "level": existing.level}
    await audit.record(session, user.id, "resubmit", "application", application_id, before, after)
    return existing
