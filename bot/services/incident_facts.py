"""What incident flows and cards read from the store: the ticket a reporter names, who takes part in a case, the case
as one viewer may see it (with the decisions open to that viewer), and the facts the incident forms check against.

Candidate names are masked here; ID numbers never leave the store (the ban uses the application's lookup hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_name
from bot.services.batches import local, person
from bot.services.review import local_time
from bot.tickets import tokens
from flows import incident as flow
from flows.incident_card import (
    APPEAL, APPROVE, EFFECTIVE, OVERTURN, PENDING, PICS, REJECT, REPORTED, SIGN, SIGNED, UPHOLD,
)
from flows.menu import EXAM_ROLES, is_staff
from flows.state import ConversationState
from storage.models import Application, ExamBatch, ExamRoom, ExamSession, Incident, Seat, Ticket, UserAccount
from storage.repositories import batches
from storage.repositories import incidents as repo

ACTIVE = "active"
T = TypeVar("T")


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite returns naive UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def pick_sitting(sittings: Sequence[tuple[datetime, datetime, T]], now: datetime, tz: ZoneInfo) -> T | None:
    """The sitting running now; else the most recent one that started; else one starting later today; else None."""
    running = [s for s in sittings if aware(s[0]) <= now <= aware(s[1])]
    started = [s for s in sittings if aware(s[0]) <= now]
    today = now.astimezone(tz).date()
    later_today = [s for s in sittings if aware(s[0]) > now and aware(s[0]).astimezone(tz).date() == today]
    for group, latest in ((running, True), (started, True), (later_today, False)):
        if group:
            chosen = max(group, key=lambda s: aware(s[0])) if latest else min(group, key=lambda s: aware(s[0]))
            return chosen[2]
    return None


def incident_number(year: int, serial: int) -> str:
    """`WJ<year>-<6-digit serial>` (WJ = 违纪)."""
    return f"{repo.NUMBER_PREFIX}{year}-{serial:06d}"


async def batch_examiners(session: AsyncSession, batch: ExamBatch) -> set[int]:
    """Everyone assigned to a batch: the proctors of its rooms, its assessors and its supervisor."""
    people = {i for room in await repo.batch_rooms(session, batch.id or 0) for i in (room.chief_id, room.deputy_id) if i}
    people |= set(batch.assessor_ids)
    return people | ({batch.supervisor_id} if batch.supervisor_id else set())


async def sitting_examiners(session: AsyncSession, batch: ExamBatch, session_id: int) -> set[int]:
    """The examiners of one sitting: the proctors of its rooms, the batch's assessors and supervisor."""
    people = {i for room in await repo.rooms_of_session(session, session_id) for i in (room.chief_id, room.deputy_id) if i}
    people |= set(batch.assessor_ids)
    return people | ({batch.supervisor_id} if batch.supervisor_id else set())


async def may_report_for(session: AsyncSession, user: UserAccount, batch: ExamBatch) -> bool:
    """Staff may report in any batch; examiners only in batches they are assigned to."""
    if is_staff(user.role):
        return True
    return user.role in EXAM_ROLES and user.id in await batch_examiners(session, batch)


async def staff_ids(session: AsyncSession) -> list[int]:
    """Staff and admins (who may sign, act as room head and decide appeals)."""
    return [u.id for role in ("staff", "admin") for u in await batches.users_with_role(session, role)]


@dataclass(frozen=True)
class Place:
    """Where a ticket sits for the chosen sitting."""

    ticket: Ticket
    seat: Seat
    room: ExamRoom
    sitting: ExamSession
    batch: ExamBatch


async def place_of(session: AsyncSession, ticket: Ticket, now: datetime, tz: ZoneInfo) -> Place | None:
    """The seat, room and sitting of a ticket for the sitting running now (or the most recent one)."""
    seats = await batches.seats_of_ticket(session, ticket.id or 0)
    chosen = pick_sitting([(s.starts_at, s.ends_at, (seat, room, s)) for seat, room, s in seats], now, tz)
    batch = await session.get(ExamBatch, ticket.batch_id)
    if chosen is None or batch is None:
        return None
    return Place(ticket, chosen[0], chosen[1], chosen[2], batch)


def _usable(ticket: Ticket | None) -> bool:
    return ticket is not None and ticket.status == ACTIVE and ticket.issued_at is not None


async def lookup(app: App, session: AsyncSession, user: UserAccount, ticket: Ticket | None, query: str, now: datetime) -> dict[str, Any]:
    """The candidate step's answer for a ticket: its holder (masked), sitting and room, or why it cannot be reported."""
    base: dict[str, Any] = {"query": query}
    if ticket is None:
        return {**base, "problem": "unknown", "params": {"number": query}}
    if not _usable(ticket):
        return {**base, "problem": "void", "params": {"number": ticket.number}}
    place = await place_of(session, ticket, now, app.tz)
    if place is None:
        return {**base, "problem": "no_sitting", "params": {"number": ticket.number}}
    if not await may_report_for(session, user, place.batch):
        return {**base, "problem": "not_assigned", "params": {"batch": place.batch.name}}
    application = await session.get(Application, ticket.application_id)
    start, end = local(app, place.sitting.starts_at), local(app, place.sitting.ends_at)
    candidate = {
        "ticket_id": ticket.id, "number": ticket.number, "name": mask_name(application.name if application else ""),
        "batch": place.batch.name, "session_id": place.sitting.id, "room_id": place.room.id, "room": place.room.name,
        "seat": place.seat.number, "kind": place.room.kind, "subject": place.sitting.subject, "date": start.date().isoformat(),
        "time": f"{start:%H:%M}-{end:%H:%M}", "site": place.sitting.site,
    }
    return {**base, "candidate": candidate}


async def lookup_number(app: App, session: AsyncSession, user: UserAccount, text: str, now: datetime) -> dict[str, Any] | None:
    """A typed ticket number looked up; None when the text cannot be a ticket number (the flow says so)."""
    query = flow.ticket_query(text)
    if query is None:
        return None
    return await lookup(app, session, user, await repo.ticket_by_number(session, query), query, now)


async def lookup_token(app: App, session: AsyncSession, user: UserAccount, token: str, now: datetime) -> dict[str, Any]:
    """A scanned ticket QR looked up (a forged, old or void one is refused like the scan refuses it)."""
    ref = tokens.verify(app.cipher, token)
    ticket = await session.get(Ticket, ref.ticket_id) if ref else None
    if ref is None or ticket is None or ticket.token_version != ref.version or not _usable(ticket):
        return {"query": "", "problem": "invalid_qr"}
    return await lookup(app, session, user, ticket, ticket.number, now)


async def report_problem(session: AsyncSession, user: UserAccount, candidate: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Why a report about this candidate cannot be stored now (ticket voided, seat moved, reporter unassigned)."""
    ticket = await session.get(Ticket, int(candidate.get("ticket_id") or 0))
    if not _usable(ticket):
        return "void", {"number": candidate.get("number", "")}
    assert ticket is not None
    seats = await batches.seats_of_ticket(session, ticket.id or 0)
    if not any(s.session_id == candidate.get("session_id") and room.id == candidate.get("room_id") for s, room, _ in seats):
        return "moved", {"number": ticket.number}
    batch = await session.get(ExamBatch, ticket.batch_id)
    if batch is None or not await may_report_for(session, user, batch):
        return "not_assigned", {"batch": batch.name if batch else ""}
    return None


async def report_facts(app: App, session: AsyncSession, user: UserAccount, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The report form's facts: the number a report stored now gets, and a problem with the chosen candidate."""
    year = now.astimezone(app.tz).year
    facts: dict[str, Any] = {"next_number": incident_number(year, await repo.count_in_year(session, year) + 1)}
    candidate = values.get(flow.CANDIDATE)
    if isinstance(candidate, dict):
        problem = await report_problem(session, user, candidate)
        if problem is not None:
            facts["problem"], facts["params"] = problem
    return facts


async def decisions(session: AsyncSession, incident: Incident, viewer: UserAccount, batch: ExamBatch | None) -> list[str]:
    """The decisions open to a viewer now (V5: a second signer other than the reporter; a room head who signed nothing)."""
    can: list[str] = []
    staff = is_staff(viewer.role)
    parties = (incident.reported_by, incident.signed_by)
    if incident.status == REPORTED and viewer.id != incident.reported_by:
        examiner = batch is not None and viewer.role in EXAM_ROLES and viewer.id in await sitting_examiners(session, batch, incident.session_id)
        if staff or examiner:
            can.append(SIGN)
    if incident.status == SIGNED and staff and viewer.id not in parties:
        can += [APPROVE, REJECT]
    if incident.status == EFFECTIVE and incident.appeal_status == PENDING and staff and viewer.id not in parties:
        can += [UPHOLD, OVERTURN]
    return can


async def may_view(session: AsyncSession, incident: Incident, viewer: UserAccount, batch: ExamBatch | None) -> bool:
    """Staff, the reporter and signer, and the examiners of the batch see a case; nobody else does."""
    if is_staff(viewer.role) or viewer.id in (incident.reported_by, incident.signed_by):
        return True
    return batch is not None and viewer.role in EXAM_ROLES and viewer.id in await batch_examiners(session, batch)


async def card(app: App, session: AsyncSession, incident: Incident, viewer: UserAccount) -> dict[str, Any] | None:
    """The case as `viewer` sees it (candidate's name masked), with the decisions open to them; None if not theirs."""
    batch = await repo.batch_of_session(session, incident.session_id)
    if not await may_view(session, incident, viewer, batch):
        return None
    ticket = await session.get(Ticket, incident.ticket_id)
    application = await session.get(Application, ticket.application_id) if ticket else None
    room = await session.get(ExamRoom, incident.room_id)
    sitting = await session.get(ExamSession, incident.session_id)
    people = await batches.users_by_ids(session, [i for i in (incident.reported_by, incident.signed_by, incident.decided_by) if i])
    bans = await repo.bans_of(session, incident.id or 0)
    start, end = (local(app, sitting.starts_at), local(app, sitting.ends_at)) if sitting else (None, None)
    can = await decisions(session, incident, viewer, batch)
    if incident.evidence:
        can.append(PICS)
    return {
        "id": incident.id, "number": incident.number, "status": incident.status, "version": incident.version,
        "appeal_status": incident.appeal_status, "code": incident.code, "sanction": incident.sanction,
        "candidate": mask_name(application.name) if application else "", "ticket": ticket.number if ticket else "",
        "batch": batch.name if batch else "", "subject": sitting.subject if sitting else "",
        "date": start.date().isoformat() if start else "", "time": f"{start:%H:%M}-{end:%H:%M}" if start and end else "",
        "site": sitting.site if sitting else "", "room": room.name if room else "",
        "description": incident.description, "evidence": list(incident.evidence),
        "reporter": person(people.get(incident.reported_by), incident.reported_by),
        "reported_at": local_time(incident.reported_at, app.tz),
        "signer": person(people.get(incident.signed_by or 0), incident.signed_by) if incident.signed_by else "",
        "signed_at": local_time(incident.signed_at, app.tz),
        "decider": person(people.get(incident.decided_by or 0), incident.decided_by) if incident.decided_by else "",
        "decided_at": local_time(incident.decided_at, app.tz), "note": incident.decision_note,
        "appeal_text": incident.appeal_text or "", "appealed_at": local_time(incident.appealed_at, app.tz),
        "appeal_note": incident.appeal_note, "until": max((b.until for b in bans), default=None) or "",
        "can": can,
    }


async def card_by_id(app: App, session: AsyncSession, incident_id: int, viewer: UserAccount) -> dict[str, Any] | None:
    """The card of one case for a viewer, or None."""
    found = await session.get(Incident, incident_id)
    return await card(app, session, found, viewer) if found is not None else None


async def open_cards(app: App, session: AsyncSession, viewer: UserAccount, limit: int) -> list[dict[str, Any]]:
    """Cases awaiting a signature, the room head or an appeal decision, oldest first, as this viewer sees them."""
    found = await repo.open_cases(session, (REPORTED, SIGNED), PENDING, limit)
    cards = [await card(app, session, incident, viewer) for incident in found]
    return [c for c in cards if c is not None]


async def holder_case(session: AsyncSession, incident: Incident, viewer: UserAccount) -> dict[str, Any] | None:
    """What the candidate's appeal form needs: the case is theirs, and whether it is still open to appeal."""
    ticket = await session.get(Ticket, incident.ticket_id)
    if ticket is None or ticket.user_id != viewer.id:
        return None
    can = [APPEAL] if incident.status == EFFECTIVE and incident.appeal_status is None else []
    return {"id": incident.id, "number": incident.number, "version": incident.version, "can": can}


async def case_facts(app: App, session: AsyncSession, form_name: str, incident_id: int, viewer: UserAccount) -> dict[str, Any]:
    """The facts a note form (staff) or the appeal form (the candidate) checks against."""
    found = await session.get(Incident, incident_id)
    if found is None:
        return {}
    if form_name == flow.APPEAL_NAME:
        case = await holder_case(session, found, viewer)
    else:
        batch = await repo.batch_of_session(session, found.session_id)
        case = {"id": found.id, "number": found.number, "version": found.version,
                "can": await decisions(session, found, viewer, batch)} if is_staff(viewer.role) else None
    return {"incident": case} if case is not None else {}


async def form_facts(
    app: App, session: AsyncSession, user: UserAccount, state: ConversationState, forms: set[str], now: datetime
) -> dict[str, Any]:
    """Facts of the incident forms among `forms` (report: next number and the candidate's problems; case forms)."""
    out: dict[str, Any] = {}
    if flow.NAME in forms:
        draft = state.forms.get(flow.NAME)
        out[flow.NAME] = await report_facts(app, session, user, draft.values if draft else {}, now)
    for name in (flow.NOTE_NAME, flow.APPEAL_NAME):
        draft = state.forms.get(name)
        if name in forms and draft is not None and draft.values.get(flow.INCIDENT_KEY):
            out[name] = await case_facts(app, session, name, int(draft.values[flow.INCIDENT_KEY]), user)
    return out
