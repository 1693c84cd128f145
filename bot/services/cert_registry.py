"""Certificates produced by the bot's own batches enter the registry here (source "batch"), next to imported ones."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.normalize import id_like
from bot.pii import mask_id_number, mask_name
from bot.rules.cert_numbers import certificate_format
from flows.cert_card import DELETED, VALID
from flows.cert_fix import level_problem, year_problem
from flows.replies import Text
from flows.review_card import APPROVED
from storage.models import Application, Certificate, ExamBatch, Occupation, Ticket
from storage.repositories import audit, certificates

SOURCE = "batch"
ACTIVE_TICKET = "active"
MAX_BODY = 128  # issuer / evaluator column width


class IssueRefused(Exception):
    """A certificate the registry does not create; `text` explains why (locale key `cert_admin.issue_refused.<code>`)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def text(self) -> Text:
        """The explanation for the staff member."""
        return Text(f"cert_admin.issue_refused.{self.code}", self.params)


async def _ticket_of(session: AsyncSession, application_id: int) -> Ticket | None:
    """The application's active admission ticket (its place in a batch), newest first."""
    query = (
        select(Ticket)
        .where(col(Ticket.application_id) == application_id, col(Ticket.status) == ACTIVE_TICKET)
        .order_by(col(Ticket.id).desc())
    )
    return (await session.exec(query)).first()


async def _origin(session: AsyncSession, ticket_id: int | None, application: Application | None) -> tuple[Application, ExamBatch]:
    """The approved application and the batch it was examined in."""
    if (ticket_id is None) == (application is None):
        raise ValueError("pass exactly one of ticket_id and application")
    if ticket_id is not None:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.status != ACTIVE_TICKET:
            raise IssueRefused("no_ticket")
        found = await session.get(Application, ticket.application_id)
        if found is None:
            raise IssueRefused("no_ticket")
        application = found
    else:
        assert application is not None and application.id is not None
        ticket = await _ticket_of(session, application.id)
        if ticket is None:
            raise IssueRefused("not_in_batch", application=application.number)
    if application.status != APPROVED:
        raise IssueRefused("not_approved", application=application.number)
    batch = await session.get(ExamBatch, ticket.batch_id)
    if batch is None:
        raise IssueRefused("not_in_batch", application=application.number)
    return application, batch


def _body(value: str) -> str:
    text = " ".join((value or "").split())
    if not text or len(text) > MAX_BODY:
        raise IssueRefused("bad_body")
    return text


async def register_issued(
    app: App, session: AsyncSession, *, ticket_id: int | None = None, application: Application | None = None,
    number: str, issue_date: date, issuer: str, evaluator: str, actor_id: int | None,
) -> Certificate:
    """Register the certificate of an approved application of a batch (by its ticket or the application itself).

    Holder name, ID type and number (re-encrypted, lookup hash of the normalized number), work unit and level come
    from the application, occupation and work type from the batch's occupation. The number must be a known format
    (K2 or legacy, `bot.rules.cert_numbers`) whose level and year digits agree; duplicates are refused: the same
    number, or a second live certificate for the same holder from the same batch.
    """
    holder, batch = await _origin(session, ticket_id, application)
    normalized = id_like(number or "")
    if certificate_format(normalized) is None:
        raise IssueRefused("bad_number", number=normalized)
    mismatch = level_problem(normalized, holder.level) or year_problem(normalized, issue_date)
    if mismatch is not None:
        raise IssueRefused("number_mismatch", number=normalized)
    if await certificates.by_number(session, normalized) is not None:
        raise IssueRefused("duplicate_number", number=normalized)
    id_number = id_like(app.cipher.decrypt(holder.id_number_enc) or "")
    id_hash = app.cipher.lookup_hash(id_number) or ""
    if any(c.batch_id == batch.id and c.status != DELETED for c in await certificates.by_id_hash(session, id_hash)):
        raise IssueRefused("already_issued", application=holder.number)
    occupation = await session.get(Occupation, batch.occupation_id)
    if occupation is None:
        raise IssueRefused("not_in_batch", application=holder.number)
    certificate = Certificate(
        number=normalized, holder_name=holder.name, id_type=holder.id_type,
        id_number_enc=app.cipher.encrypt(id_number) or "", id_number_hash=id_hash,
        work_unit=holder.work_unit, occupation=occupation.name, work_type=occupation.work_type, level=holder.level,
        issue_date=issue_date, evaluator=_body(evaluator), issuer=_body(issuer), status=VALID, source=SOURCE,
        batch_id=batch.id,
    )
    await certificates.add_many(session, [certificate])
    after = {
        "number": normalized, "holder_name": mask_name(holder.name), "id_type": holder.id_type,
        "id_number": mask_id_number(id_number), "level": holder.level, "issue_date": issue_date.isoformat(),
        "source": SOURCE, "batch_id": batch.id, "version": certificate.version,
    }
    await audit.record(session, actor_id, "register", "certificate", certificate.id or 0, None, after)
    return certificate
