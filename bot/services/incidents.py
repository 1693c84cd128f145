"""Incident procedure (DOMAIN V1–V5; 003 附件2 §5–8, §16–20), pure of Telegram.

report → `reported`; a second examiner of the sitting or a staff member (not the reporter) signs → `signed`; the room
head (考场负责人: staff or admin who signed nothing) approves → `effective` or rejects with a note → `rejected`. On
effect a ban is stored when the sanction bans (R7), a certificate already registered from the batch is revoked (V4)
and the candidate is told the facts, reason, basis and sanction with an appeal button (§17, §19). An appeal is upheld
or overturned (`overturned`: the ban is lifted). Every change bumps the incident's version in one guarded UPDATE (two
people pressing at once: one wins, the other is refused) and is audited; the incident keeps the whole story (§20).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.violations import allowed, ban_kind, ban_until
from bot.services import cert_admin, outbox
from bot.services import incident_facts as facts
from bot.services.batches import local, person
from bot.services.review import local_time
from flows import incident as flow
from flows.context import FlowContext
from flows.incident import AppealIncident, DecideIncident, ReportIncident
from flows.incident_card import (
    APPEAL, APPROVE, EFFECTIVE, OVERTURN, OVERTURNED, PENDING, REJECT, REJECTED, REPORTED, SIGN, SIGNED, UPHELD, UPHOLD,
    article_label, card_text, data, reason_label, sanction_label, status_label, violation_label,
)
from flows.replies import InlineKeyboard, Label, Text, button
from storage.models import Application, Ban, ExamBatch, ExamRoom, ExamSession, Incident, Ticket, UserAccount
from storage.repositories import audit
from storage.repositories import batches as batch_repo
from storage.repositories import incidents as incident_repo

ENTITY = "incident"
EFFECTS = (ReportIncident, DecideIncident, AppealIncident)
REVOKE_CODE = "violation"  # cert_admin's reason code for V4


class Refused(Exception):
    """A step of the procedure not taken; `text` explains why (locale key `incident.refused.<code>`)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def text(self) -> Text:
        """The explanation for the person who pressed or submitted."""
        return Text(f"incident.refused.{self.code}", self.params)


@dataclass
class Done:
    """What a decision did, as a notice for the person who took it."""

    notice: Text


async def _load(session: AsyncSession, incident_id: int) -> Incident:
    found = await session.get(Incident, incident_id)
    if found is None:
        raise Refused("not_found")
    return found


def _state(incident: Incident) -> dict[str, Any]:
    """The audited part of an incident (no names, no free text)."""
    return {"status": incident.status, "appeal_status": incident.appeal_status, "version": incident.version}


async def _claim(session: AsyncSession, incident: Incident, expected: int | None, now: datetime) -> None:
    """Bump the version if it is still `expected` (one atomic UPDATE), else Refused("changed")."""
    old = incident.version if expected is None else expected
    stmt = (
        update(Incident)
        .where(col(Incident.id) == incident.id, col(Incident.version) == old, col(Incident.status) == incident.status)
        .values(version=old + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await (await session.connection()).execute(stmt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused("changed", number=incident.number)
    incident.version, incident.updated_at = old + 1, now


def _need(condition: bool, code: str, incident: Incident) -> None:
    if not condition:
        raise Refused(code, number=incident.number, status=status_label(incident.status))


async def _cards_to(app: App, session: AsyncSession, incident: Incident, user_ids: set[int], key: str, tag: str) -> None:
    """Send each recipient the case with the buttons open to them (once per recipient and step)."""
    found = await batch_repo.users_by_ids(session, sorted(user_ids))
    for user_id in sorted(user_ids):
        viewer = found.get(user_id)
        if viewer is None:
            continue
        shown = await facts.card(app, session, incident, viewer)
        if shown is not None:
            dedup = f"inc:{tag}:{incident.id}:{incident.version}:{user_id}"
            await outbox.enqueue(app, session, user_id, [card_text(shown, key)], dedup_key=dedup)


async def _tell(app: App, session: AsyncSession, user_ids: set[int], text: Text, tag: str, incident: Incident) -> None:
    """A short notice to each of `user_ids` (once per recipient and step)."""
    for user_id in sorted(user_ids):
        await outbox.enqueue(app, session, user_id, [text], dedup_key=f"inc:{tag}:{incident.id}:{incident.version}:{user_id}")


async def report(app: App, session: AsyncSession, user: UserAccount, effect: ReportIncident, now: datetime) -> Incident:
    """Store a report (`reported`), audited; the other examiners of the sitting and staff are asked to sign."""
    if not flow.may_report(user.role):
        raise Refused("not_allowed")
    problem = await facts.report_problem(session, user, {"ticket_id": effect.ticket_id, "session_id": effect.session_id,
                                                           "room_id": effect.room_id})
    if problem is not None:
        raise Refused(problem[0], **problem[1])
    if not allowed(effect.code, effect.sanction):
        raise Refused("sanction")
    if not effect.number or not effect.description or len(effect.description) > flow.MAX_DESCRIPTION:
        raise Refused("incomplete")
    if len(effect.evidence) > flow.MAX_PHOTOS:
        raise Refused("incomplete")
    incident = Incident(
        number=effect.number, session_id=effect.session_id, room_id=effect.room_id, ticket_id=effect.ticket_id,
        code=effect.code, sanction=effect.sanction, description=effect.description, evidence=list(effect.evidence),
        status=REPORTED, reported_by=user.id, reported_at=now, updated_at=now,
    )
    session.add(incident)
    await session.flush()
    ticket = await session.get(Ticket, effect.ticket_id)
    room = await session.get(ExamRoom, effect.room_id)
    after = {**_state(incident), "number": incident.number, "code": incident.code, "sanction": incident.sanction,
             "ticket": ticket.number if ticket else "", "session_id": incident.session_id, "room": room.name if room else "",
             "evidence": len(incident.evidence)}
    await audit.record(session, user.id, "report_incident", ENTITY, incident.id or 0, None, after)
    batch = await session.get(ExamBatch, ticket.batch_id) if ticket else None
    examiners = await facts.sitting_examiners(session, batch, incident.session_id) if batch else set()
    await _cards_to(app, session, incident, (examiners | set(await facts.staff_ids(session))) - {user.id},
                    "incident.notice.sign_request", "sig")
    return incident


async def sign(app: App, session: AsyncSession, user: UserAccount, incident_id: int, version: int | None, now: datetime) -> Done:
    """The second signature (V5): an examiner of the sitting or staff, not the reporter; the room head is then asked."""
    incident = await _load(session, incident_id)
    _need(incident.status == REPORTED, "status", incident)
    _need(user.id != incident.reported_by, "own_report", incident)
    batch = await incident_repo.batch_of_session(session, incident.session_id)
    _need(SIGN in await facts.decisions(session, incident, user, batch), "not_examiner", incident)
    before = _state(incident)
    await _claim(session, incident, version, now)
    incident.status, incident.signed_by, incident.signed_at = SIGNED, user.id, now
    session.add(incident)
    await audit.record(session, user.id, "sign_incident", ENTITY, incident.id or 0, before, _state(incident))
    heads = set(await facts.staff_ids(session)) - {incident.reported_by, user.id}
    await _cards_to(app, session, incident, heads, "incident.notice.approval_request", "apr")
    await _tell(app, session, {incident.reported_by}, Text("incident.notice.signed", {"number": incident.number,
                                                                                        "signer": person(user)}), "sgn", incident)
    return Done(Text("incident.signed", {"number": incident.number}))


async def _ban(app: App, session: AsyncSession, actor: UserAccount, incident: Incident, application: Application | None,
               now: datetime) -> Ban | None:
    """The ban a sanction imposes from the effective local date (R7), audited; None when it bans nobody."""
    kind = ban_kind(incident.sanction)
    until = ban_until(incident.sanction, now.astimezone(app.tz).date())
    if kind is None or until is None or application is None:
        return None
    ban = Ban(id_number_hash=application.id_number_hash, kind=kind, until=until, reason=f"{incident.number} {incident.code}",
              incident_id=incident.id, created_at=now)
    session.add(ban)
    await session.flush()
    after = {"kind": kind, "until": until.isoformat(), "reason": ban.reason, "incident_id": incident.id}
    await audit.record(session, actor.id, "create_ban", "ban", ban.id or 0, None, after)
    return ban


async def _revoke_certificates(app: App, session: AsyncSession, actor: UserAccount, incident: Incident, ticket: Ticket,
                               application: Application | None, now: datetime) -> list[str]:
    """V4: a valid certificate registered from the ticket's batch for this holder is revoked with the incident as reason."""
    if application is None:
        return []
    revoked = []
    for certificate in await incident_repo.valid_certificates(session, ticket.batch_id, application.id_number_hash):
        try:
            await cert_admin.revoke(app, session, actor.id, certificate.id or 0, REVOKE_CODE,
                                    f"{incident.number} {incident.code}", now=now)
        except cert_admin.Refused:
            raise Refused("certificate_changed", number=incident.number, certificate=certificate.number) from None
        revoked.append(certificate.number)
    return revoked


async def candidate_notice(app: App, session: AsyncSession, incident: Incident, until: str) -> Text:
    """§17: what the candidate is told — facts (time, place, conduct), reason, basis, sanction — and the appeal button."""
    ticket = await session.get(Ticket, incident.ticket_id)
    sitting = await session.get(ExamSession, incident.session_id)
    room = await session.get(ExamRoom, incident.room_id)
    batch = await session.get(ExamBatch, sitting.batch_id) if sitting else None
    params = {
        "number": incident.number, "time": local_time(incident.reported_at, app.tz), "batch": batch.name if batch else "",
        "subject": Label(f"subject.{sitting.subject}") if sitting else "", "site": sitting.site if sitting else "",
        "sitting": f"{local(app, sitting.starts_at):%Y-%m-%d %H:%M}" if sitting else "", "room": room.name if room else "",
        "ticket": ticket.number if ticket else "", "violation": violation_label(incident.code),
        "reason": reason_label(incident.code), "basis": article_label(incident.code),
        "sanction": sanction_label(incident.sanction), "until": until,
    }
    keyboard = InlineKeyboard(((button("incident.btn_appeal", data(APPEAL, incident.id or 0)),),))
    return Text("incident.notice.candidate", params, keyboard)


async def approve(app: App, session: AsyncSession, user: UserAccount, incident_id: int, version: int | None, now: datetime) -> Done:
    """The room head confirms (V5): the decision takes effect — ban, V4 revocation, the candidate's notice."""
    incident = await _load(session, incident_id)
    _need(incident.status == SIGNED, "status", incident)
    _need(user.id not in (incident.reported_by, incident.signed_by), "not_room_head", incident)
    batch = await incident_repo.batch_of_session(session, incident.session_id)
    _need(APPROVE in await facts.decisions(session, incident, user, batch), "not_allowed", incident)
    before = _state(incident)
    await _claim(session, incident, version, now)
    incident.status, incident.decided_by, incident.decided_at, incident.notified_at = EFFECTIVE, user.id, now, now
    session.add(incident)
    ticket = await session.get(Ticket, incident.ticket_id)
    assert ticket is not None
    application = await session.get(Application, ticket.application_id)
    ban = await _ban(app, session, user, incident, application, now)
    revoked = await _revoke_certificates(app, session, user, incident, ticket, application, now)
    await audit.record(session, user.id, "approve_incident", ENTITY, incident.id or 0, before,
                       {**_state(incident), "ban_until": ban.until.isoformat() if ban else None, "revoked": revoked})
    until = ban.until.isoformat() if ban else ""
    await outbox.enqueue(app, session, ticket.user_id, [await candidate_notice(app, session, incident, until)],
                         dedup_key=f"inc:eff:{incident.id}")
    parties = {i for i in (incident.reported_by, incident.signed_by) if i}
    await _tell(app, session, parties, Text("incident.notice.effective", {"number": incident.number}), "eff", incident)
    return Done(Text("incident.approved", {"number": incident.number, "until": until, "revoked": revoked}))


async def reject(app: App, session: AsyncSession, user: UserAccount, incident_id: int, version: int, note: str, now: datetime) -> Done:
    """The room head does not confirm the report: `rejected` with the note; reporter and signer are told."""
    incident = await _load(session, incident_id)
    _need(incident.status == SIGNED, "status", incident)
    batch = await incident_repo.batch_of_session(session, incident.session_id)
    _need(REJECT in await facts.decisions(session, incident, user, batch), "not_room_head", incident)
    before = _state(incident)
    await _claim(session, incident, version, now)
    incident.status, incident.decided_by, incident.decided_at = REJECTED, user.id, now
    incident.decision_note = note[: flow.MAX_NOTE]
    session.add(incident)
    await audit.record(session, user.id, "reject_incident", ENTITY, incident.id or 0, before, {**_state(incident), "note": True})
    parties = {i for i in (incident.reported_by, incident.signed_by) if i}
    await _tell(app, session, parties, Text("incident.notice.rejected", {"number": incident.number, "note": incident.decision_note}),
                "rej", incident)
    return Done(Text("incident.decided.no", {"number": incident.number}))


async def appeal(app: App, session: AsyncSession, user: UserAccount, incident_id: int, statement: str, now: datetime) -> Done:
    """The candidate's statement (§19): kept with the case, staff are asked to review it."""
    incident = await _load(session, incident_id)
    case = await facts.holder_case(session, incident, user)
    if case is None:
        raise Refused("not_found")
    _need(APPEAL in case["can"], "appeal_closed", incident)
    if not statement.strip() or len(statement) > flow.MAX_STATEMENT:
        raise Refused("incomplete")
    before = _state(incident)
    await _claim(session, incident, None, now)
    incident.appeal_text, incident.appealed_at, incident.appeal_status = statement, now, PENDING
    session.add(incident)
    await audit.record(session, user.id, "appeal_incident", ENTITY, incident.id or 0, before,
                       {**_state(incident), "length": len(statement)})
    reviewers = set(await facts.staff_ids(session)) - {incident.reported_by, incident.signed_by or 0}
    await _cards_to(app, session, incident, reviewers, "incident.notice.appeal_request", "apl")
    return Done(Text("incident.appeal_sent", {"number": incident.number}))


async def decide_appeal(
    app: App, session: AsyncSession, user: UserAccount, incident_id: int, action: str, version: int, note: str, now: datetime
) -> Done:
    """Uphold (the decision stands) or overturn (`overturned`, the ban lifted) an appeal; the candidate is told."""
    incident = await _load(session, incident_id)
    _need(incident.status == EFFECTIVE and incident.appeal_status == PENDING, "status", incident)
    batch = await incident_repo.batch_of_session(session, incident.session_id)
    _need(action in await facts.decisions(session, incident, user, batch), "not_allowed", incident)
    before = _state(incident)
    await _claim(session, incident, version, now)
    incident.appeal_status = UPHELD if action == UPHOLD else OVERTURNED
    incident.appeal_decided_by, incident.appeal_decided_at, incident.appeal_note = user.id, now, note[: flow.MAX_NOTE]
    lifted = []
    if action == OVERTURN:
        incident.status = OVERTURNED
        for ban in await incident_repo.bans_of(session, incident.id or 0):
            lifted.append(ban.until.isoformat())
            before_ban = {"kind": ban.kind, "until": ban.until.isoformat(), "reason": ban.reason, "incident_id": ban.incident_id}
            await audit.record(session, user.id, "delete_ban", "ban", ban.id or 0, before_ban, None)
            await session.delete(ban)
    session.add(incident)
    await audit.record(session, user.id, f"{'uphold' if action == UPHOLD else 'overturn'}_incident", ENTITY, incident.id or 0,
                       before, {**_state(incident), "lifted": lifted, "note": True})
    ticket = await session.get(Ticket, incident.ticket_id)
    key = "incident.notice.appeal_upheld" if action == UPHOLD else "incident.notice.appeal_overturned"
    if ticket is not None:
        await outbox.enqueue(app, session, ticket.user_id, [Text(key, {"number": incident.number, "note": incident.appeal_note})],
                             dedup_key=f"inc:apd:{incident.id}")
    return Done(Text(f"incident.decided.{action}", {"number": incident.number}))


async def apply_effect(app: App, session: AsyncSession, user: UserAccount, effect: Any, ctx: FlowContext) -> None:
    """Carry out a report, a note decision or an appeal the user confirmed (Refused when it went stale)."""
    if isinstance(effect, ReportIncident):
        await report(app, session, user, effect, ctx.now)
    elif isinstance(effect, AppealIncident):
        await appeal(app, session, user, effect.incident_id, effect.statement, ctx.now)
    else:
        assert isinstance(effect, DecideIncident)
        if effect.action == REJECT:
            await reject(app, session, user, effect.incident_id, effect.version, effect.note, ctx.now)
        elif effect.action in (UPHOLD, OVERTURN):
            await decide_appeal(app, session, user, effect.incident_id, effect.action, effect.version, effect.note, ctx.now)
        else:
            raise Refused("not_allowed")

