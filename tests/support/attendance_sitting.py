"""A batch with one theory sitting and two rooms, candidates seated and tickets issued by the production services,
inserted straight into the store for attendance tests (the scenario tests plan theirs through the batch card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from bot.services import tickets as ticket_service
from storage.models import Application, ExamBatch, ExamRoom, ExamSession, Seat, Ticket
from storage.repositories import users
from tests.support.applications import BIRTH, add_user, insert_application
from tests.support.catalog import open_announcement

CHIEF, DEPUTY, OTHER_CHIEF, SUPERVISOR, ASSESSOR, STAFF, STRANGER = 650001, 650002, 650003, 650004, 650005, 650006, 650007
CANDIDATES = (651001, 651002, 651003, 651004)  # seated in submission order: 301 takes three, 302 the last
NAMES = ("张三", "李四", "王五", "赵六")


def id_number(index: int) -> str:
    """The resident ID number of candidate `index` (0-based)."""
    return make_resident_id("360102", BIRTH, 301 + index)


@dataclass(frozen=True)
class Sitting:
    """Ids of the sitting and its rooms, and each candidate's ticket number and seat id (by CANDIDATES order)."""

    batch_id: int
    session_id: int
    room_301: int
    room_302: int
    starts_at: datetime
    ends_at: datetime
    numbers: tuple[str, ...]
    seats: tuple[int, ...]
    tickets: tuple[int, ...]


async def make_sitting(app: App, starts_at: datetime, minutes: int = 90) -> Sitting:
    """Examiners, staff, a stranger proctor, and a theory sitting: room 301 (chief, deputy; capacity 3) and room 302
    (another chief), four approved candidates seated and issued tickets; the batch has a supervisor."""
    for user_id, role in ((CHIEF, "proctor"), (DEPUTY, "proctor"), (OTHER_CHIEF, "proctor"), (SUPERVISOR, "supervisor"),
                          (ASSESSOR, "assessor"), (STAFF, "staff"), (STRANGER, "proctor")):
        await add_user(app, user_id, role)
    async with app.sessions() as session:
        for user_id, name in ((CHIEF, "王主监"), (DEPUTY, "刘副监")):
            account = await users.get(session, user_id)
            assert account is not None
            account.full_name = name
            session.add(account)
        await session.commit()
    announcement = await open_announcement(app, date.today())
    for i, (user_id, name) in enumerate(zip(CANDIDATES, NAMES)):
        await insert_application(app, announcement, user_id, number=f"SQ20268800{i:02d}", status="approved", name=name,
                                 id_number=id_number(i), subjects=["theory"], minutes_ago=60 - i)
    ends_at = starts_at + timedelta(minutes=minutes)
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4,
                          name="电工四级", exam_date=starts_at.date(), supervisor_id=SUPERVISOR, assessor_ids=[ASSESSOR])
        session.add(batch)
        await session.flush()
        exam = ExamSession(batch_id=batch.id or 0, subject="theory", starts_at=starts_at, ends_at=ends_at, site="南昌技师学院1号楼")
        session.add(exam)
        await session.flush()
        room_301 = ExamRoom(session_id=exam.id or 0, name="301", kind="desk", capacity=3, position=0, chief_id=CHIEF, deputy_id=DEPUTY)
        room_302 = ExamRoom(session_id=exam.id or 0, name="302", kind="desk", capacity=30, position=1, chief_id=OTHER_CHIEF)
        session.add_all([room_301, room_302])
        await session.flush()
        await ticket_service.issue(app, session, batch, STAFF, datetime.now(timezone.utc), everyone=False)
        await session.commit()
        by_user = {}
        for ticket, seat in (await session.exec(select(Ticket, Seat).where(Seat.ticket_id == Ticket.id))).all():
            by_user[ticket.user_id] = (ticket.number, seat.id or 0, ticket.id or 0)
        assert len(by_user) == len(CANDIDATES)
        return Sitting(
            batch.id or 0, exam.id or 0, room_301.id or 0, room_302.id or 0, starts_at, ends_at,
            tuple(by_user[u][0] for u in CANDIDATES), tuple(by_user[u][1] for u in CANDIDATES), tuple(by_user[u][2] for u in CANDIDATES),
        )


async def seat_rooms(app: App) -> dict[int, int]:
    """Room id of each candidate's seat (by user id)."""
    async with app.sessions() as session:
        query = select(Application.user_id, Seat.room_id).where(
            Seat.ticket_id == Ticket.id, Ticket.application_id == Application.id)
        return {user_id: room_id for user_id, room_id in (await session.exec(query)).all()}
