"""A batch with a sitting running now, one room with its proctors and a seated candidate with an issued ticket,
stored directly (for incident tests that do not need to plan the batch through the dispatcher)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from bot.app import App
from storage.models import Announcement, ExamBatch, ExamRoom, ExamSession, Seat, Ticket
from tests.support.applications import ID_NUMBER, add_user, insert_application


@dataclass(frozen=True)
class Sitting:
    """Ids of what `running_sitting` stored."""

    batch_id: int
    session_id: int
    room_id: int
    ticket_id: int
    ticket_number: str
    application_id: int


async def running_sitting(
    app: App, announcement: Announcement, candidate: int, chief: int, deputy: int, *, assessor: int | None = None,
    supervisor: int | None = None, number: str = "26000140001", application_number: str = "SQ2026000001",
    id_number: str = ID_NUMBER, started_minutes_ago: int = 30, batch_name: str = "2026年电工四级认定",
) -> Sitting:
    """Users with their roles, an approved application, a batch whose theory sitting runs now, a seated ticket."""
    for user, role in ((chief, "proctor"), (deputy, "proctor"), (assessor, "assessor"), (supervisor, "supervisor")):
        if user is not None:
            await add_user(app, user, role)
    application = await insert_application(app, announcement, candidate, number=application_number, status="approved",
                                           id_number=id_number)
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4, name=batch_name,
                          exam_date=date.today(), status="issued", supervisor_id=supervisor,
                          assessor_ids=[assessor] if assessor else [], tickets_issued_at=now)
        session.add(batch)
        await session.flush()
        sitting = ExamSession(batch_id=batch.id or 0, subject="theory", starts_at=now - timedelta(minutes=started_minutes_ago),
                              ends_at=now + timedelta(minutes=90 - started_minutes_ago), site="南昌技师学院1号楼")
        session.add(sitting)
        await session.flush()
        room = ExamRoom(session_id=sitting.id or 0, name="301", kind="desk", capacity=30, chief_id=chief, deputy_id=deputy)
        session.add(room)
        await session.flush()
        ticket = Ticket(number=number, batch_id=batch.id or 0, application_id=application.id or 0, user_id=candidate, sequence=1,
                        status="active", issued_at=now)
        session.add(ticket)
        await session.flush()
        session.add(Seat(ticket_id=ticket.id or 0, subject="theory", session_id=sitting.id or 0, room_id=room.id or 0, number=7))
        await session.commit()
        return Sitting(batch.id or 0, sitting.id or 0, room.id or 0, ticket.id or 0, number, application.id or 0)
