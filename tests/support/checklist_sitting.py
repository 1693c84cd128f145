"""A batch with one sitting, tickets issued, a desk room and a computer room with proctors, assessors and a supervisor,
inserted straight into the store for checklist tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from storage.models import ExamBatch, ExamRoom, ExamSession, Notification, Seat, Ticket
from storage.repositories import users
from tests.support.applications import add_user, insert_application
from tests.support.catalog import open_announcement

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHIEF, DEPUTY, CHIEF_2, ASSESSOR, SUPERVISOR = 640001, 640002, 640003, 640004, 640005
STAFF, STRANGER, CANDIDATE = 640006, 640007, 640008


@dataclass(frozen=True)
class SittingIds:
    """Ids of the sitting, its batch and rooms (`desk`: 301 with chief and deputy; `computer`: 机房1, chief only)."""

    batch_id: int
    session_id: int
    desk: int
    computer: int
    starts_at: datetime
    ends_at: datetime


async def make_sitting(app: App, starts_at: datetime, minutes: int = 90, seated: int = 2) -> SittingIds:
    """The examiners (deputy reads English), a staff member, a stranger proctor, and a theory sitting with two rooms;
    `seated` candidates with active tickets sit in the desk room plus one with a void ticket."""
    for user_id, role, locale in (
        (CHIEF, "proctor", "zh_CN"), (DEPUTY, "proctor", "en"), (CHIEF_2, "proctor", None), (ASSESSOR, "assessor", None),
        (SUPERVISOR, "supervisor", None), (STAFF, "staff", None), (STRANGER, "proctor", None),
    ):
        await add_user(app, user_id, role, locale)
    async with app.sessions() as session:
        for user_id, name in ((CHIEF, "王主监"), (DEPUTY, "Li Deputy"), (CHIEF_2, "赵机房")):
            account = await users.get(session, user_id)
            assert account is not None
            account.full_name = name
            session.add(account)
        await session.commit()
    announcement = await open_announcement(app, date.today())
    ends_at = starts_at + timedelta(minutes=minutes)
    async with app.sessions() as session:
        batch = ExamBatch(
            announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4, name="电工四级",
            exam_date=starts_at.astimezone(SHANGHAI).date(), supervisor_id=SUPERVISOR, assessor_ids=[ASSESSOR],
            tickets_issued_at=datetime.now(timezone.utc), status="issued",
        )
        session.add(batch)
        await session.flush()
        assert batch.id is not None
        exam = ExamSession(batch_id=batch.id, subject="theory", starts_at=starts_at, ends_at=ends_at, site="南昌技师学院1号楼")
        session.add(exam)
        await session.flush()
        assert exam.id is not None
        desk = ExamRoom(session_id=exam.id, name="301", kind="desk", capacity=30, position=0, chief_id=CHIEF, deputy_id=DEPUTY)
        computer = ExamRoom(session_id=exam.id, name="机房1", kind="computer", capacity=20, position=1, chief_id=CHIEF_2)
        session.add_all([desk, computer])
        await session.commit()
        ids = SittingIds(batch.id, exam.id, desk.id or 0, computer.id or 0, starts_at, ends_at)
    for seq in range(1, seated + 2):
        application = await insert_application(
            app, announcement, CANDIDATE + seq, number=f"SQ20269900{seq:02d}", status="approved",
            id_number=make_resident_id("360102", date(1990, 5, 20), 200 + seq),
        )
        async with app.sessions() as session:
            ticket = Ticket(number=f"2600{ids.batch_id:04d}4{seq:04d}", batch_id=ids.batch_id, application_id=application.id or 0,
                            user_id=CANDIDATE + seq, sequence=seq, status="active" if seq <= seated else "void",
                            issued_at=datetime.now(timezone.utc))
            session.add(ticket)
            await session.flush()
            session.add(Seat(ticket_id=ticket.id or 0, subject="theory", session_id=ids.session_id, room_id=ids.desk, number=seq))
            await session.commit()
    return ids


async def notifications(app: App, chat_id: int | None = None) -> list[Notification]:
    """Outbox rows (for one chat), oldest first."""
    async with app.sessions() as session:
        query = select(Notification).order_by(Notification.id)  # type: ignore[arg-type]
        if chat_id is not None:
            query = query.where(Notification.chat_id == chat_id)
        return list((await session.exec(query)).all())


def button_data(row: Notification) -> list[str]:
    """Callback data of a notification's inline buttons, in order."""
    markup = row.payload.get("markup") or {}
    return [b.get("callback_data", "") for r in markup.get("rows", []) for b in r]
