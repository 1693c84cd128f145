"""Admission tickets: issuing for a batch (notifying candidates), the candidate's own tickets, QR scans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_id_number
from bot.rendering.ticket_view import TicketSessionView, TicketView
from bot.services import outbox
from bot.services.batches import local
from bot.services.seating import ACTIVE, SeatingResult, seat_batch
from bot.tickets import tokens
from flows.replies import InlineKeyboard, Label, Text, button
from storage.models import Application, ExamBatch, Institution, Occupation, Ticket
from storage.repositories import audit, batches

SHOW_BUTTON = "tk:show"


@dataclass
class IssueResult:
    """Tickets issued now, tickets notified, and the seating run behind it."""

    issued: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    seating: SeatingResult = field(default_factory=SeatingResult)


def ticket_link(app: App, ticket: Ticket) -> str:
    """The QR/deep link of a ticket: t.me link with a signed `tk_` token (no personal data)."""
    token = tokens.make(app.cipher, ticket.id or 0, ticket.token_version)
    username = app.settings.bot_username
    return f"https://t.me/{username}?start=tk_{token}" if username else f"/start tk_{token}"


async def issue(
    app: App, session: AsyncSession, batch: ExamBatch, actor_id: int | None, now: datetime, everyone: bool
) -> IssueResult:
    """Seat the batch, issue every seated ticket not yet issued and notify its holder (`everyone`: all holders)."""
    seating = await seat_batch(app, session, batch)
    result = IssueResult(seating=seating)
    first = min((s.starts_at for s in await batches.sessions_of(session, batch.id or 0)), default=None)
    seated = {s.ticket_id for s in await batches.seats_of(session, batch.id or 0)}
    for ticket in await batches.tickets_of(session, batch.id or 0):
        if ticket.status != ACTIVE or ticket.id not in seated:
            continue
        fresh = ticket.issued_at is None
        if fresh:
            ticket.issued_at = now
            session.add(ticket)
            result.issued.append(ticket.id or 0)
        if fresh or everyone:
            params = {"batch": batch.name, "number": ticket.number, "date": local(app, first).date().isoformat() if first else ""}
            keyboard = InlineKeyboard(((button("ticket.btn_show", SHOW_BUTTON),),))
            key = f"tki:{ticket.id}:{int(now.timestamp())}"
            await outbox.enqueue(app, session, ticket.user_id, [Text("ticket.issued_notice", params, keyboard)], dedup_key=key)
            result.notified.append(ticket.id or 0)
    batch.tickets_issued_at = now
    batch.status = "issued"
    batch.updated_at = now
    session.add(batch)
    after = {"issued": len(result.issued), "notified": len(result.notified), "voided": len(seating.voided), "everyone": everyone}
    await audit.record(session, actor_id, "issue_tickets", "exam_batch", batch.id, None, after)
    return result


async def _view(app: App, session: AsyncSession, ticket: Ticket, locale: str) -> TicketView | None:
    """The printable content of one ticket in `locale`."""
    application = await session.get(Application, ticket.application_id)
    batch = await session.get(ExamBatch, ticket.batch_id)
    if application is None or batch is None:
        return None
    occupation = await session.get(Occupation, batch.occupation_id)
    institution = await session.get(Institution, occupation.institution_id) if occupation else None
    t = app.i18n
    sittings = []
    for seat, room, exam_session in await batches.seats_of_ticket(session, ticket.id or 0):
        start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
        sittings.append(TicketSessionView(
            subject=t.render(locale, f"subject.{exam_session.subject}"), date=start.date().isoformat(),
            time=f"{start:%H:%M}-{end:%H:%M}", site=exam_session.site, room=room.name,
            seat=t.render(locale, f"room_kind.seat_{room.kind}", {"number": f"{seat.number:02d}"}),
        ))
    occupation_text = ""
    if occupation is not None:
        occupation_text = f"{occupation.name}（{occupation.work_type}）" if occupation.work_type else occupation.name
    return TicketView(
        locale=locale, number=ticket.number, name=application.name,
        gender=t.render(locale, f"gender.{application.gender}") if t.has(locale, f"gender.{application.gender}") else application.gender,
        id_type=t.render(locale, f"id_type.{application.id_type}"),
        id_number=mask_id_number(app.cipher.decrypt(application.id_number_enc)),
        occupation=occupation_text, level=t.render(locale, f"level.{batch.level}"), batch=batch.name,
        institution=institution.name if institution else "", sessions=tuple(sittings), qr_link=ticket_link(app, ticket),
        issued=local(app, ticket.issued_at).date().isoformat() if ticket.issued_at else "",
    )


async def own_tickets(app: App, session: AsyncSession, user_id: int, locale: str) -> list[tuple[TicketView, str | None]]:
    """The user's issued tickets as printable views, each with the application photo's file_id."""
    out = []
    for ticket in await batches.user_tickets(session, user_id):
        view = await _view(app, session, ticket, locale)
        application = await session.get(Application, ticket.application_id)
        if view is not None:
            out.append((view, (application.photo or {}).get("file_id") if application else None))
    return out


async def scan(app: App, session: AsyncSession, token: str, viewer_id: int, detailed: bool) -> dict[str, Any]:
    """What a ticket QR shows: `valid`, and for examiners and staff the identity-check details (audited)."""
    ref = tokens.verify(app.cipher, token)
    ticket = await session.get(Ticket, ref.ticket_id) if ref else None
    valid = (
        ref is not None and ticket is not None and ticket.status == ACTIVE and ticket.issued_at is not None
        and ticket.token_version == ref.version
    )
    if not valid or ticket is None:
        return {"valid": False}
    application = await session.get(Application, ticket.application_id)
    if application is None or application.status != "approved":
        return {"valid": False}
    if not detailed:
        return {"valid": True}
    batch = await session.get(ExamBatch, ticket.batch_id)
    seats = []
    for seat, room, exam_session in await batches.seats_of_ticket(session, ticket.id or 0):
        start, end = local(app, exam_session.starts_at), local(app, exam_session.ends_at)
        seats.append({"subject": Label(f"subject.{exam_session.subject}"), "date": start.date().isoformat(),
                      "time": f"{start:%H:%M}-{end:%H:%M}", "site": exam_session.site, "room": room.name,
                      "seat": Label(f"room_kind.seat_{room.kind}", {"number": f"{seat.number:02d}"})})
    await audit.record(session, viewer_id, "scan_ticket", "exam_ticket", ticket.id, None, {"number": ticket.number})
    return {
        "valid": True, "number": ticket.number, "name": application.name,
        "id_number": mask_id_number(app.cipher.decrypt(application.id_number_enc)),
        "id_type": Label(f"id_type.{application.id_type}"), "batch": batch.name if batch else "",
        "level": Label(f"level.{application.level}"), "seats": seats,
        "photo": (application.photo or {}).get("file_id"),
    }


async def seat_on_approval(app: App, session: AsyncSession, announcement_id: int, level: int, now: datetime) -> list[int]:
    """An application was approved: seat it in its planned batches at once; where tickets are already out, issue
    its ticket too (notified). Returns the tickets whose reminders must be planned after the commit."""
    planned: list[int] = []
    for batch in await batches.batches_for(session, announcement_id, level):
        if not await batches.rooms_of(session, batch.id or 0):
            continue
        if batch.tickets_issued_at is None:
            await seat_batch(app, session, batch)
            continue
        result = await issue(app, session, batch, None, now, everyone=False)
        planned += result.issued
    return planned
