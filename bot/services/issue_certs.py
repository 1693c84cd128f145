"""/issue: certificates for the candidates who passed a published batch (L2), registered with K2 numbers (DOMAIN K2).

Numbering: the body's institution code is the 13-character K2 prefix (category, evaluator code, province, site serial,
as the demo body `S000036010027`); then the issue year, the batch level and a 6-digit serial. The serial continues
after the highest serial already registered under the same prefix, year and level (any source), in ticket-number
order. Re-running is idempotent: a candidate who already holds a live certificate from this batch is skipped, so no
number is given twice; a clash with a number registered meanwhile fails the whole run (unique number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.normalize import id_like
from bot.rules.cert_numbers import format_k2, parse_k2
from bot.rules.results import SubjectScore
from bot.services import cert_registry, outbox
from bot.services.cert_registry import IssueRefused
from bot.services.publish import results_of
from bot.services.scores import Candidate, confirmed, roster
from flows.cert_card import DELETED
from flows.replies import Text
from storage.models import Application, Certificate, Institution, Occupation
from storage.repositories import audit

PREFIX_LENGTH = 13


@dataclass(frozen=True)
class IssuePlan:
    """What /issue would do: `status` ok | no_batch | not_published | publicity_running | future_date | other_date |
    bad_institution; the candidates still to certify and the first serial."""

    status: str
    batch: str = ""
    candidates: tuple[Candidate, ...] = ()
    already: int = 0
    prefix: str = ""
    first_serial: int = 0
    issuer: str = ""
    until: date | None = None


@dataclass(frozen=True)
class Issued:
    """Certificates registered (user id, number) and refusals by reason code."""

    plan: IssuePlan
    numbers: tuple[tuple[int, str], ...] = ()
    refused: dict[str, int] = field(default_factory=dict)


async def _institution(session: AsyncSession, occupation_id: int) -> Institution | None:
    occupation = await session.get(Occupation, occupation_id)
    return await session.get(Institution, occupation.institution_id) if occupation is not None else None


def k2_prefix(code: str) -> str | None:
    """The institution code when it is a K2 prefix (category, evaluator code, province, site serial), else None."""
    if len(code) != PREFIX_LENGTH:
        return None
    return code if parse_k2(f"{code}{'00'}1{'000001'}") is not None else None


async def next_serial(session: AsyncSession, prefix: str, year: int, level: int) -> int:
    """One more than the highest serial registered under prefix + year + level (1 when there is none)."""
    head = f"{prefix}{year % 100:02d}{level}"
    numbers = (await session.exec(select(Certificate.number).where(col(Certificate.number).startswith(head)))).all()
    serials = [int(n[len(head):]) for n in numbers if len(n) == len(head) + 6 and n[len(head):].isdigit()]
    return max(serials, default=0) + 1


def first_number(planned: IssuePlan, issue_date: date) -> str:
    """The number the first planned certificate would get ("" when none is planned)."""
    if not planned.candidates:
        return ""
    level = planned.candidates[0].level
    p = planned.prefix
    return format_k2(p[0], p[1:5], p[5:7], p[7:13], issue_date.year, level, planned.first_serial)


async def _holders(app: App, session: AsyncSession, batch_id: int) -> set[str]:
    """ID-number lookup hashes of the holders of live certificates from this batch."""
    query = select(Certificate.id_number_hash).where(Certificate.batch_id == batch_id, Certificate.status != DELETED)
    return set((await session.exec(query)).all())


async def plan(app: App, session: AsyncSession, batch_id: int, issue_date: date, today: date) -> IssuePlan:
    """Check that the batch may be certified on `issue_date` and list the passed candidates without a certificate."""
    found = await roster(session, batch_id)
    if found is None:
        return IssuePlan("no_batch")
    batch = found.batch
    name = batch.name
    if batch.publicity_start is None:
        return IssuePlan("not_published", name)
    until = batch.publicity_end or batch.publicity_start
    if issue_date <= until:
        return IssuePlan("publicity_running", name, until=until)
    if issue_date > today:
        return IssuePlan("future_date", name)
    if batch.certificates_issued_on is not None and batch.certificates_issued_on != issue_date:
        return IssuePlan("other_date", name, until=batch.certificates_issued_on)
    institution = await _institution(session, batch.occupation_id)
    prefix = k2_prefix(institution.code) if institution is not None else None
    if institution is None or prefix is None:
        return IssuePlan("bad_institution", name)
    scores = {(r.ticket_id, r.subject): SubjectScore(r.value, r.absent) for r in await confirmed(session, batch_id)}
    results = results_of(found, scores)
    passed = [c for c in found.candidates if results[c.ticket_id]]
    holders = await _holders(app, session, batch_id)
    todo, already = [], 0
    for candidate in passed:
        application = await session.get(Application, candidate.application_id)
        id_number = id_like(app.cipher.decrypt(application.id_number_enc) or "") if application else ""
        if (app.cipher.lookup_hash(id_number) or "") in holders:
            already += 1
        else:
            todo.append(candidate)
    first = await next_serial(session, prefix, issue_date.year, batch.level)
    return IssuePlan("ok", name, tuple(todo), already, prefix, first, institution.name)


async def issue(app: App, session: AsyncSession, batch_id: int, issue_date: date, today: date, actor_id: int) -> Issued:
    """Register the planned certificates, set the batch's issue date and notify each holder (caller commits)."""
    planned = await plan(app, session, batch_id, issue_date, today)
    if planned.status != "ok":
        return Issued(planned)
    found = await roster(session, batch_id)
    assert found is not None
    batch = found.batch
    serial = planned.first_serial
    numbers: list[tuple[int, str]] = []
    refused: dict[str, int] = {}
    for candidate in planned.candidates:
        number = format_k2(planned.prefix[0], planned.prefix[1:5], planned.prefix[5:7], planned.prefix[7:13],
                           issue_date.year, batch.level, serial)
        try:
            await cert_registry.register_issued(
                app, session, ticket_id=candidate.ticket_id, number=number, issue_date=issue_date, issuer=planned.issuer,
                evaluator=planned.issuer, actor_id=actor_id,
            )
        except IssueRefused as refusal:
            refused[refusal.code] = refused.get(refusal.code, 0) + 1
            continue
        serial += 1
        numbers.append((candidate.user_id, number))
        notice = Text("scores.cert_notice", {"batch": batch.name, "number": number, "date": issue_date.isoformat()})
        await outbox.enqueue(app, session, candidate.user_id, [notice], dedup_key=f"cert:{batch_id}:{candidate.ticket_id}")
    if numbers and batch.certificates_issued_on is None:
        batch.certificates_issued_on = issue_date
        batch.updated_at = datetime.now(timezone.utc)
        session.add(batch)
    await audit.record(session, actor_id, "issue_certificates", "exam_batch", batch_id, None, {
        "issue_date": issue_date.isoformat(), "registered": len(numbers), "already": planned.already, "refused": refused,
        "first": numbers[0][1] if numbers else None, "last": numbers[-1][1] if numbers else None,
    })
    return Issued(planned, tuple(numbers), refused)
