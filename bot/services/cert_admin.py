"""The certificate registry card and its changes: corrections (K4), revocation and reissue (K5), logical deletion (K4 §15).

Every change is one atomic version bump (old verification QR tokens stop working; a change made meanwhile by someone
else is refused) and one audit row with masked before/after values and the reason (K4 §13).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.certs import tokens
from bot.normalize import id_like, nfkc, person_name
from bot.pii import mask_id_number, mask_name
from bot.rules.identity import IdProblem, parse_id
from bot.services.review import local_time
from flows.cert_card import DELETE, DELETED, FIX, REISSUE, REISSUE_CODES, REVOKE, REVOKE_CODES, REVOKED, allows
from flows.cert_drafts import ACTION_NAMES
from flows.cert_fix import ID_FIELDS, TEXT_LIMITS, CorrectCertificate, level_problem, touches_both_identities, year_problem
from flows.cert_status import DeleteCertificate, ReissueCertificate, RevokeCertificate
from flows.context import FlowContext
from flows.replies import Label, Text
from storage.models import AuditLog, Certificate, UserAccount
from storage.repositories import audit, certificates

ENTITY = "certificate"
CARD_HISTORY = 10
FULL_HISTORY = 50
MAX_REASON = 200
MAX_NAME = 64
LEVELS = ("1", "2", "3", "4", "5")
STATUS_REASON_LIMIT = 256
CORRECTABLE = frozenset({"holder_name", "level", "issue_date"} | ID_FIELDS | set(TEXT_LIMITS))
EFFECTS = (CorrectCertificate, RevokeCertificate, ReissueCertificate, DeleteCertificate)


class Refused(Exception):
    """A change the registry does not make; `text` explains why (locale key `cert_admin.refused.<code>`)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def text(self) -> Text:
        """The explanation for the staff member."""
        return Text(f"cert_admin.refused.{self.code}", self.params)


async def history(app: App, session: AsyncSession, certificate_id: int, limit: int = CARD_HISTORY) -> list[dict[str, Any]]:
    """The certificate's latest audit rows, newest first: local time, actor id, action, masked before/after."""
    query = (
        select(AuditLog)
        .where(col(AuditLog.entity) == ENTITY, col(AuditLog.entity_id) == str(certificate_id))
        .order_by(col(AuditLog.id).desc())
        .limit(limit)
    )
    rows = (await session.exec(query)).all()
    return [{"at": local_time(r.at, app.tz), "actor": r.actor_id, "action": r.action, "before": dict(r.before or {}),
             "after": dict(r.after or {})} for r in rows]


async def card(app: App, session: AsyncSession, certificate: Certificate, history_rows: int = CARD_HISTORY) -> dict[str, Any]:
    """What staff see of one certificate: every K1 field (the ID number masked), status, origin, version, history."""
    assert certificate.id is not None
    return {
        "id": certificate.id, "number": certificate.number, "holder_name": certificate.holder_name,
        "id_type": certificate.id_type, "id_masked": mask_id_number(app.cipher.decrypt(certificate.id_number_enc)),
        "work_unit": certificate.work_unit, "occupation": certificate.occupation, "work_type": certificate.work_type,
        "level": certificate.level, "issue_date": certificate.issue_date.isoformat(), "evaluator": certificate.evaluator,
        "issuer": certificate.issuer, "status": certificate.status, "status_reason": certificate.status_reason or "",
        "source": certificate.source, "batch_id": certificate.batch_id, "reissue_count": certificate.reissue_count,
        "version": certificate.version, "updated": local_time(certificate.updated_at, app.tz),
        "link": tokens.link(app, certificate) if certificate.status != DELETED else "",
        "history": await history(app, session, certificate.id, history_rows),
    }


async def card_by_number(app: App, session: AsyncSession, number: str) -> dict[str, Any] | None:
    """The card of the certificate with this number (typed in any width or case), or None."""
    found = await certificates.by_number(session, id_like(number))
    return await card(app, session, found) if found is not None else None


async def card_by_id(app: App, session: AsyncSession, certificate_id: int, history_rows: int = CARD_HISTORY) -> dict[str, Any] | None:
    """The card of one certificate by its id, or None."""
    found = await session.get(Certificate, certificate_id)
    return await card(app, session, found, history_rows) if found is not None else None


async def form_facts(app: App, session: AsyncSession, certificate_id: int, now: datetime) -> dict[str, Any]:
    """What the change forms compare against: the stored K1 values (decrypted in memory only), status, version, today."""
    facts: dict[str, Any] = {"today": now.astimezone(app.tz).date().isoformat()}
    found = await session.get(Certificate, certificate_id)
    if found is None:
        return facts
    facts["certificate"] = {
        "id": found.id, "number": found.number, "status": found.status, "version": found.version,
        "holder_name": found.holder_name, "id_type": found.id_type, "id_number": app.cipher.decrypt(found.id_number_enc),
        "work_unit": found.work_unit, "occupation": found.occupation, "work_type": found.work_type, "level": found.level,
        "issue_date": found.issue_date.isoformat(), "evaluator": found.evaluator, "issuer": found.issuer,
    }
    return facts


async def _load(session: AsyncSession, certificate_id: int, action: str) -> Certificate:
    found = await session.get(Certificate, certificate_id)
    if found is None:
        raise Refused("not_found")
    if not allows(found.status, action):
        raise Refused("status", status=Label(f"cert_admin.status.{found.status}"), action=Label(f"cert_admin.action.{ACTION_NAMES[action]}"))
    return found


async def _claim(session: AsyncSession, certificate: Certificate, expected: int | None, now: datetime) -> tuple[int, int]:
    """Bump the version if it is still `expected` (one atomic UPDATE), else Refused("changed"); (old, new) version."""
    old = certificate.version if expected is None else expected
    stmt = (
        update(Certificate)
        .where(col(Certificate.id) == certificate.id, col(Certificate.version) == old)
        .values(version=old + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await (await session.connection()).execute(stmt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused("changed", number=certificate.number)
    certificate.version, certificate.updated_at = old + 1, now
    return old, old + 1


def _reason(reason: str) -> str:
    text = re.sub(r"\s+", " ", nfkc(reason or "")).strip()
    if not text:
        raise Refused("reason")
    if len(text) > MAX_REASON:
        raise Refused("too_long", limit=MAX_REASON)
    return text


def _text_field(field: str, raw: str) -> str:
    value = re.sub(r"\s+", " ", nfkc(raw or "")).strip()
    if not value:
        raise Refused("empty", field=Label(f"cert_admin.field.{field}"))
    if len(value) > TEXT_LIMITS[field]:
        raise Refused("too_long", limit=TEXT_LIMITS[field])
    return value


def _identity(app: App, certificate: Certificate, changes: dict[str, str], today: date) -> dict[str, str]:
    """The corrected ID type and number, validated (R5) and normalized."""
    id_type = changes.get("id_type", certificate.id_type)
    raw = changes.get("id_number") or app.cipher.decrypt(certificate.id_number_enc) or ""
    try:
        parsed = parse_id(id_type, raw, today)
    except IdProblem as problem:
        raise Refused("bad_id", problem=Label(f"apply.id.{problem.code}", dict(problem.params))) from None
    return {"id_type": id_type, "id_number": parsed.number}


def _corrected(app: App, certificate: Certificate, changes: dict[str, str], today: date) -> dict[str, Any]:
    """The new values of the fields that really change, validated like the form validates them."""
    new: dict[str, Any] = {}
    if ID_FIELDS & set(changes):
        new.update(_identity(app, certificate, changes, today))
    for field, raw in changes.items():
        if field == "holder_name":
            name = person_name(raw or "")
            if not name or len(name) > MAX_NAME:
                raise Refused("empty", field=Label("cert_admin.field.holder_name"))
            new[field] = name
        elif field == "level":
            if str(raw) not in LEVELS:
                raise Refused("field")
            mismatch = level_problem(certificate.number, int(raw))
            if mismatch is not None:
                raise Refused("level_mismatch", **mismatch)
            new[field] = int(raw)
        elif field == "issue_date":
            try:
                issued = date.fromisoformat(str(raw))
            except ValueError:
                raise Refused("field") from None
            if issued > today:
                raise Refused("future_date")
            mismatch = year_problem(certificate.number, issued)
            if mismatch is not None:
                raise Refused("year_mismatch", **mismatch)
            new[field] = issued
        elif field in TEXT_LIMITS:
            new[field] = _text_field(field, raw)
    current = {f: getattr(certificate, f) for f in new if f != "id_number"}
    if "id_number" in new:
        current["id_number"] = app.cipher.decrypt(certificate.id_number_enc)
    if all(current[f] == v for f, v in new.items()):
        raise Refused("unchanged")
    if "id_number" in new:  # an ID correction is recorded with both its type and number even if one stays the same
        return new
    return {f: v for f, v in new.items() if current[f] != v}


def _shown(field: str, value: Any) -> Any:
    """An audit value: names and ID numbers masked, dates as ISO text."""
    if field == "holder_name":
        return mask_name(value)
    if field == "id_number":
        return mask_id_number(value)
    return value.isoformat() if isinstance(value, date) else value


async def correct(
    app: App, session: AsyncSession, actor_id: int | None, certificate_id: int, changes: dict[str, str], reason: str,
    *, version: int | None = None, now: datetime | None = None,
) -> Certificate:
    """One K4 correction: never name and ID number together; an ID change re-encrypts and re-hashes the number."""
    now = now or datetime.now(timezone.utc)
    unknown = set(changes) - CORRECTABLE
    if unknown or not changes:
        raise Refused("field")
    if touches_both_identities(changes):
        raise Refused("one_identity")
    certificate = await _load(session, certificate_id, FIX)
    text = _reason(reason)
    new = _corrected(app, certificate, changes, now.astimezone(app.tz).date())
    old_id = app.cipher.decrypt(certificate.id_number_enc) if "id_number" in new else None
    before = {f: _shown(f, old_id if f == "id_number" else getattr(certificate, f)) for f in new}
    old_version, new_version = await _claim(session, certificate, version, now)
    for field, value in new.items():
        if field == "id_number":
            certificate.id_number_enc = app.cipher.encrypt(value) or ""
            certificate.id_number_hash = app.cipher.lookup_hash(id_like(value)) or ""
        else:
            setattr(certificate, field, value)
    session.add(certificate)
    after = {f: _shown(f, v) for f, v in new.items()}
    await audit.record(session, actor_id, "correct", ENTITY, certificate_id, {**before, "version": old_version},
                       {**after, "version": new_version, "reason": text})
    return certificate


def _status_before(certificate: Certificate) -> dict[str, Any]:
    """The status (and its reason, when there is one) a revocation or deletion replaces."""
    before: dict[str, Any] = {"status": certificate.status}
    if certificate.status_reason:
        before["status_reason"] = certificate.status_reason
    return before


async def revoke(
    app: App, session: AsyncSession, actor_id: int | None, certificate_id: int, code: str, reason: str,
    *, version: int | None = None, now: datetime | None = None,
) -> Certificate:
    """K5/V4: a valid certificate becomes revoked with a reason code and text."""
    certificate = await _load(session, certificate_id, REVOKE)
    if code not in REVOKE_CODES:
        raise Refused("code")
    text = _reason(reason)
    before = _status_before(certificate)
    old_version, new_version = await _claim(session, certificate, version, now or datetime.now(timezone.utc))
    certificate.status = REVOKED
    certificate.status_reason = f"{code}: {text}"[:STATUS_REASON_LIMIT]
    session.add(certificate)
    await audit.record(session, actor_id, "revoke", ENTITY, certificate_id, {**before, "version": old_version},
                       {"status": REVOKED, "status_reason": certificate.status_reason, "version": new_version})
    return certificate


async def reissue(
    app: App, session: AsyncSession, actor_id: int | None, certificate_id: int, code: str, reason: str,
    *, version: int | None = None, now: datetime | None = None,
) -> Certificate:
    """K5: reissue after loss or damage; the certificate stays valid, its reissue count goes up."""
    certificate = await _load(session, certificate_id, REISSUE)
    if code not in REISSUE_CODES:
        raise Refused("code")
    text = _reason(reason)
    count = certificate.reissue_count
    old_version, new_version = await _claim(session, certificate, version, now or datetime.now(timezone.utc))
    certificate.reissue_count = count + 1
    session.add(certificate)
    await audit.record(session, actor_id, "reissue", ENTITY, certificate_id, {"reissue_count": count, "version": old_version},
                       {"reissue_count": count + 1, "code": code, "reason": text, "version": new_version})
    return certificate


async def delete(
    app: App, session: AsyncSession, actor_id: int | None, certificate_id: int, reason: str,
    *, version: int | None = None, now: datetime | None = None,
) -> Certificate:
    """K4 §15: logical deletion only — the row and its history stay, the status becomes "deleted"."""
    certificate = await _load(session, certificate_id, DELETE)
    text = _reason(reason)
    before = _status_before(certificate)
    old_version, new_version = await _claim(session, certificate, version, now or datetime.now(timezone.utc))
    certificate.status = DELETED
    certificate.status_reason = text[:STATUS_REASON_LIMIT]
    session.add(certificate)
    await audit.record(session, actor_id, "delete", ENTITY, certificate_id, {**before, "version": old_version},
                       {"status": DELETED, "status_reason": certificate.status_reason, "version": new_version})
    return certificate


async def apply_effect(app: App, session: AsyncSession, user: UserAccount, effect: Any, ctx: FlowContext) -> None:
    """Carry out a correction, revocation, reissue or deletion the staff member confirmed (Refused if it went stale)."""
    if isinstance(effect, CorrectCertificate):
        await correct(app, session, user.id, effect.certificate_id, effect.changes, effect.reason, version=effect.version, now=ctx.now)
    elif isinstance(effect, RevokeCertificate):
        await revoke(app, session, user.id, effect.certificate_id, effect.code, effect.reason, version=effect.version, now=ctx.now)
    elif isinstance(effect, ReissueCertificate):
        await reissue(app, session, user.id, effect.certificate_id, effect.code, effect.reason, version=effect.version, now=ctx.now)
    else:
        assert isinstance(effect, DeleteCertificate)
        await delete(app, session, user.id, effect.certificate_id, effect.reason, version=effect.version, now=ctx.now)
