"""Seat a batch's approved candidates (bot.rules.seating) and keep tickets in step: created once, voided on withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules import ticket_numbers
from bot.rules.seating import Candidate, Placement, Room, assign
from storage.models import ExamBatch, Seat, Ticket
from storage.repositories import batches

ACTIVE = "active"
VOID = "void"


@dataclass
class SeatingResult:
    """What a seating run changed: seats added/released, tickets created/voided, candidates left without a seat."""

    added: int = 0
    released: int = 0
    created: list[int] = field(default_factory=list)
    voided: list[int] = field(default_factory=list)
    unplaced: dict[str, int] = field(default_factory=dict)


async def seat_batch(app: App, session: AsyncSession, batch: ExamBatch) -> SeatingResult:
    """Assign rooms and seats to every approved candidate (stable, ≤ capacity); flushes, the caller commits."""
    assert batch.id is not None
    sessions = await batches.sessions_of(session, batch.id)
    by_subject = {s.subject: s for s in sessions}
    rooms = [Room(r.id or 0, s.subject, r.capacity) for r, s in await batches.rooms_of(session, batch.id)]
    applications = await batches.approved_applications(session, batch)
    candidates = [Candidate(a.id or 0, tuple(s for s in a.subjects if s in by_subject)) for a in applications]
    tickets = {t.application_id: t for t in await batches.tickets_of(session, batch.id)}
    by_ticket = {t.id: t for t in tickets.values()}
    seats = await batches.seats_of(session, batch.id)
    existing = {
        Placement(by_ticket[s.ticket_id].application_id, s.subject, s.room_id, s.number): s
        for s in seats
        if by_ticket[s.ticket_id].status == ACTIVE
    }
    plan = assign(candidates, rooms, list(existing))
    result = SeatingResult(unplaced={k: len(v) for k, v in plan.unplaced.items()})
    for placement in plan.released:
        await session.delete(existing[placement])
        result.released += 1
    approved = {a.id for a in applications}
    for ticket in tickets.values():
        if ticket.status == ACTIVE and ticket.application_id not in approved:
            ticket.status = VOID
            session.add(ticket)
            result.voided.append(ticket.id or 0)  # its seats are in plan.released: the candidate is no longer wanted
    await session.flush()
    year = min(s.starts_at for s in sessions).astimezone(app.tz).year if sessions else batch.exam_date.year
    sequence = await batches.max_sequence(session, batch.id)
    owners = {a.id: a.user_id for a in applications}
    for placement in plan.added(list(existing)):
        ticket = tickets.get(placement.application_id)
        if ticket is None:
            sequence += 1
            number = ticket_numbers.make(year, batch.id, batch.level, sequence)
            ticket = Ticket(number=number, batch_id=batch.id, application_id=placement.application_id,
                            user_id=owners[placement.application_id], sequence=sequence)
            session.add(ticket)
            await session.flush()
            tickets[placement.application_id] = ticket
            result.created.append(ticket.id or 0)
        elif ticket.status != ACTIVE:
            ticket.status = ACTIVE
            ticket.issued_at = None
            session.add(ticket)
        session.add(Seat(ticket_id=ticket.id or 0, subject=placement.subject, session_id=by_subject[placement.subject].id or 0,
                         room_id=placement.room_id, number=placement.number))
        result.added += 1
    await session.flush()
    return result

