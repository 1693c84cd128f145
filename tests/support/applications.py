"""Submitted applications inserted straight into the store (encrypted like the bot stores them), for review tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from storage.models import Announcement, Application, UserAccount
from storage.repositories import users

BIRTH = date(1990, 5, 20)
ID_NUMBER = make_resident_id("360102", BIRTH, 123)
MOBILE = "13800138000"
PHOTO = {"kind": "photo", "file_id": "AgAC-stored-photo", "file_unique_id": "ph-u1", "size": 50_000, "mime": "image/jpeg",
         "name": None, "width": 413, "height": 579}
DOCUMENTS = [
    {"kind": "document", "file_id": "BQAC-stored-doc", "file_unique_id": "doc-u1", "size": 100_000, "mime": "application/pdf",
     "name": "diploma.pdf", "width": None, "height": None},
    {"kind": "photo", "file_id": "AgAC-stored-scan", "file_unique_id": "doc-u2", "size": 60_000, "mime": "image/jpeg",
     "name": None, "width": 800, "height": 1100},
]
HELD = [{"kind": "skill", "level": "5", "name": "电工", "number": "S000036010027195000123", "date": "2019-06-30",
         "issuer": "南昌市职业技能鉴定中心"}]


async def add_user(app: App, user_id: int, role: str = "candidate", locale: str | None = None) -> None:
    """An account with a role and an interface language."""
    async with app.sessions() as session:
        user = await users.set_role(session, user_id, role)
        user.locale = locale
        session.add(user)
        await session.commit()


async def insert_application(
    app: App,
    announcement: Announcement,
    user_id: int,
    number: str = "SQ2026000001",
    status: str = "submitted",
    id_number: str = ID_NUMBER,
    mobile: str = MOBILE,
    minutes_ago: int = 60,
    **overrides: Any,
) -> Application:
    """One application as `submit()` would store it (ID number and mobile encrypted with lookup hashes)."""
    assert announcement.id is not None
    fields: dict[str, Any] = {
        "number": number,
        "user_id": user_id,
        "announcement_id": announcement.id,
        "occupation_id": announcement.occupation_id,
        "level": 4,
        "status": status,
        "name": "张三",
        "gender": "male",
        "birth_date": BIRTH,
        "id_type": "201",
        "id_number_enc": app.cipher.encrypt(id_number) or "",
        "id_number_hash": app.cipher.lookup_hash(id_number) or "",
        "mobile_enc": app.cipher.encrypt(mobile) or "",
        "mobile_hash": app.cipher.lookup_hash(mobile) or "",
        "category": "employee",
        "work_unit": "南昌电力维修公司",
        "education": "senior_high",
        "major": "电气",
        "held_certificates": list(HELD),
        "post": "维修电工",
        "years_in_post": 5.0,
        "subjects": ["theory", "practical"],
        "photo": dict(PHOTO),
        "documents": list(DOCUMENTS),
        "submitted_at": datetime.now(timezone.utc) - timedelta(minutes=minutes_ago),
    }
    fields.update(overrides)
    async with app.sessions() as session:
        application = Application(**fields)
        session.add(application)
        await session.commit()
        return application


async def reload(app: App, application_id: int) -> Application:
    """The application as stored now."""
    async with app.sessions() as session:
        found = await session.get(Application, application_id)
        assert found is not None
        return found


async def account(app: App, user_id: int) -> UserAccount | None:
    """A user account as stored now."""
    async with app.sessions() as session:
        return await users.get(session, user_id)
