"""A batch's tickets and seats, or its confirmed scores, as xlsx for staff (/export tickets|scores BATCH).

These are internal working lists: full names and ticket numbers, ID numbers masked (only the official 申报表 roster
of /export_applications carries full ones). Every export is audited (who, which batch, what, how many rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_id_number
from bot.services.export import workbook
from bot.services.review import local_time
from storage.models import Application, ExamBatch, ExamRoom, ExamSession, Score, Seat, Ticket
from storage.repositories import audit

TICKETS, SCORES = "tickets", "scores"
KINDS = (TICKETS, SCORES)
TICKET_COLUMNS = ("ticket", "name", "id_number", "status", "subject", "starts", "site", "room", "seat")
SCORE_COLUMNS = ("ticket", "name", "id_number", "subject", "value", "absent", "passed", "published")


@dataclass(frozen=True)
class BatchSheet:
    """An exported workbook of a batch."""

    content: bytes
    filename: str
    rows: int
    title: str


async def _people(app: App, session: AsyncSession, batch_id: int) -> dict[int, tuple[Ticket, str, str]]:
    """Ticket id → (ticket, holder's name, masked ID number)."""
    found = await session.exec(
        select(Ticket, Application).where(Ticket.batch_id == batch_id, Ticket.application_id == Application.id).order_by(col(Ticket.number))
    )
    return {t.id: (t, a.name, mask_id_number(app.cipher.decrypt(a.id_number_enc))) for t, a in found.all() if t.id is not None}


async def export(app: App, session: AsyncSession, batch_id: int, kind: str, locale: str, actor_id: int) -> BatchSheet | None:
    """Build the workbook in `locale` and audit it; None when there is no such batch."""
    batch = await session.get(ExamBatch, batch_id)
    if batch is None:
        return None
    people = await _people(app, session, batch_id)

    def label(key: str) -> str:
        return app.i18n.render(locale, key)

    def yes(flag: bool) -> str:
        return label("batch_export.yes") if flag else ""

    rows: list[list[Any]] = []
    if kind == TICKETS:
        seats = await session.exec(
            select(Seat, ExamSession, ExamRoom)
            .where(col(Seat.ticket_id).in_(list(people)), Seat.session_id == ExamSession.id, Seat.room_id == ExamRoom.id)
            .order_by(col(ExamSession.starts_at), col(ExamRoom.position), col(Seat.number))
        )
        for seat, sitting, room in seats.all():
            ticket, name, masked = people[seat.ticket_id]
            rows.append([ticket.number, name, masked, ticket.status, label(f"subject.{seat.subject}"),
                         local_time(sitting.starts_at, app.tz), sitting.site, room.name, seat.number])
        columns = TICKET_COLUMNS
    else:
        scores = await session.exec(select(Score).where(Score.batch_id == batch_id).order_by(col(Score.ticket_id), col(Score.subject)))
        for score in scores.all():
            ticket, name, masked = people.get(score.ticket_id, (None, "", ""))
            rows.append([ticket.number if ticket else "", name, masked, label(f"subject.{score.subject}"),
                         "" if score.value is None else score.value, yes(score.absent), yes(score.passed),
                         local_time(score.published_at, app.tz)])
        columns = SCORE_COLUMNS
    headers = [label(f"batch_export.col_{c}") for c in columns]
    content = workbook(label(f"batch_export.sheet_{kind}"), headers, rows)
    await audit.record(session, actor_id, "export", "exam_batch", batch_id, None,
                       {"what": kind, "rows": len(rows), "format": "xlsx", "locale": locale})
    return BatchSheet(content, f"batch_{batch_id}_{kind}.xlsx", len(rows), batch.name)
