"""Withdrawing an application: status, voided tickets and released seats, audited; reminders are cancelled after commit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from flows.withdraw import WITHDRAWABLE, WITHDRAWN
from storage.models import Application, Attendance, ExamSession, Seat, Ticket
from storage.repositories import audit

EXAM_DAY_OPENS = timedelta(minutes=40)  # C1: from T-40 the sitting's checks and records begin


async def _exam_day_begun(session: AsyncSession, application_id: int, now: datetime) -> bool:
    """True once one of the application's sittings is 40 minutes or less away (or over), or attendance was recorded."""
    tickets = select(Ticket.id).where(Ticket.application_id == application_id)
    starts = (await session.exec(
        select(ExamSession.starts_at).join(Seat, col(Seat.session_id) == ExamSession.id).where(col(Seat.ticket_id).in_(tickets))
    )).all()
    if any((s if s.tzinfo else s.replace(tzinfo=timezone.utc)) - EXAM_DAY_OPENS <= now for s in starts):
        return True
    recorded = await session.exec(select(Attendance.id).where(col(Attendance.ticket_id).in_(tickets)).limit(1))
    return recorded.first() is not None


async def withdrawable(session: AsyncSession, user_id: int, application_id: int, now: datetime) -> Application | None:
    """The user's own application when it can still be withdrawn: not once its exam day has begun (the seat, the
    attendance and any incident stay on record)."""
    application = await session.get(Application, application_id)
    if application is None or application.user_id != user_id or application.status not in WITHDRAWABLE:
        return None
    if await _exam_day_begun(session, application_id, now):
        return None
    return application


async def withdraw(session: AsyncSession, user_id: int, application_id: int, now: datetime) -> tuple[str, list[int]] | None:
    """Withdraw; returns (application number, voided ticket ids) or None when not possible. The caller commits."""
    application = await withdrawable(session, user_id, application_id, now)
    if application is None:
        return None
    before = {"status": application.status}
    application.status = WITHDRAWN
    application.updated_at = now
    session.add(application)
    tickets = list((await session.exec(
        select(Ticket).where(Ticket.application_id == application_id, Ticket.status == "active")
    )).all())
    for ticket in tickets:
        ticket.status = "void"
        session.add(ticket)
    ids = [t.id for t in tickets if t.id is not None]
    if ids:
        await session.exec(delete(Seat).where(col(Seat.ticket_id).in_(ids)))  # type: ignore[call-overload]
    await audit.record(session, user_id, "withdraw", "application", application.id, before,
                       {"status": WITHDRAWN, "voided_tickets": len(ids)})
    return application.number, ids
