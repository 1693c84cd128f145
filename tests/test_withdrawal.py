"""Withdrawing an application voids its ticket and frees its seat — until the exam day of a sitting has begun."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.app import App
from bot.services import attendance, withdrawal
from storage.models import Application, Seat, Ticket
from storage.repositories import users
from tests.support.attendance_sitting import CANDIDATES, DEPUTY, make_sitting


async def _application_id(app: App, user_id: int) -> int:
    async with app.sessions() as session:
        found = (await session.exec(select(Application).where(Application.user_id == user_id))).one()
        return found.id or 0


async def test_withdrawal_before_the_exam_day_voids_the_ticket_and_frees_the_seat(app: App) -> None:
    now = datetime.now(timezone.utc)
    sitting = await make_sitting(app, now + timedelta(hours=2))
    application_id = await _application_id(app, CANDIDATES[0])
    async with app.sessions() as session:
        done = await withdrawal.withdraw(session, CANDIDATES[0], application_id, now)
        await session.commit()
    assert done is not None and done[1] == [sitting.tickets[0]]
    async with app.sessions() as session:
        assert (await session.get(Ticket, sitting.tickets[0])).status == "void"  # type: ignore[union-attr]
        assert await session.get(Seat, sitting.seats[0]) is None


async def test_no_withdrawal_from_forty_minutes_before_the_sitting(app: App) -> None:
    now = datetime.now(timezone.utc)
    sitting = await make_sitting(app, now + timedelta(minutes=39))
    application_id = await _application_id(app, CANDIDATES[0])
    async with app.sessions() as session:
        assert await withdrawal.withdrawable(session, CANDIDATES[0], application_id, now) is None
        assert await withdrawal.withdraw(session, CANDIDATES[0], application_id, now) is None
        assert await withdrawal.withdrawable(session, CANDIDATES[0], application_id, now - timedelta(minutes=2)) is not None
    async with app.sessions() as session:
        assert (await session.get(Ticket, sitting.tickets[0])).status == "active"  # type: ignore[union-attr]


async def test_no_withdrawal_once_attendance_is_recorded(app: App) -> None:
    now = datetime.now(timezone.utc)
    sitting = await make_sitting(app, now + timedelta(minutes=20))
    async with app.sessions() as session:
        deputy = await users.get(session, DEPUTY)
        assert deputy is not None
        await attendance.record(app, session, deputy, sitting.seats[0], attendance.CHECKED, now)
        await session.commit()
    application_id = await _application_id(app, CANDIDATES[0])
    async with app.sessions() as session:
        a_day_earlier = now - timedelta(days=1)  # outside the 40-minute window, the record alone keeps the seat
        assert await withdrawal.withdraw(session, CANDIDATES[0], application_id, a_day_earlier) is None
        assert await session.get(Seat, sitting.seats[0]) is not None
