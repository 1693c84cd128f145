"""Certificate lookups by two values (K3) with anti-enumeration limits, and what a certificate QR shows.

Every query is recorded in `cert_query` (kinds and outcome, never the values) and audited with masked values. A user
with `cert_query_fail_limit` failed queries inside `cert_query_window_minutes` is refused (no lookup is done) until
enough of them have left the window. When all users together reach `cert_alarm_queries` queries inside
`cert_alarm_window_minutes`, every staff member and admin is notified once per window (counts only).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.certs import tokens
from bot.pii import mask_id_number, mask_name
from bot.rules.cert_query import DELETED, FOUND, ID, LIMITED, NAME, NO_MATCH, NUMBER, QueryPair, same_name
from bot.services import outbox
from flows.menu import STAFF_ROLES
from flows.replies import Text
from storage.models import Certificate
from storage.repositories import audit, certificates, users

ALARM_KEY = "cert_alarm"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def local_minute(app: App, moment: datetime) -> str:
    """A moment as local wall-clock time, rounded up to the next full minute (`YYYY-MM-DD HH:MM`)."""
    local = _utc(moment).astimezone(app.tz)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"{local:%Y-%m-%d %H:%M}"


async def retry_at(app: App, session: AsyncSession, user_id: int, now: datetime) -> datetime | None:
    """When the user may query again, or None when not limited (fewer failures than the limit in the window)."""
    settings = app.settings
    window = timedelta(minutes=settings.cert_query_window_minutes)
    failures = [_utc(t) for t in await certificates.query_times(session, user_id, NO_MATCH, now - window)]
    excess = len(failures) - settings.cert_query_fail_limit
    if excess < 0:
        return None
    return failures[excess] + window  # the failure whose leaving brings the count below the limit


async def _matches(app: App, session: AsyncSession, pair: QueryPair) -> list[Certificate]:
    """Certificates matching both values; one query and one comparison per candidate whichever value is wrong."""
    number, name, id_number = pair.get(NUMBER), pair.get(NAME), pair.get(ID)
    id_hash = (app.cipher.lookup_hash(id_number) or "") if id_number is not None else ""
    if number is not None:
        found = await certificates.by_number(session, number)
        candidates = [found] if found is not None else []
    else:
        candidates = await certificates.by_id_hash(session, id_hash)
    matches = []
    for cert in candidates:
        if name is not None and not same_name(cert.holder_name, name):
            continue
        if id_number is not None and not hmac.compare_digest(cert.id_number_hash, id_hash):
            continue
        matches.append(cert)
    return sorted(matches, key=lambda c: (c.issue_date, c.number))


def describe(app: App, cert: Certificate) -> dict[str, Any]:
    """The K1 fields of a matched certificate for the answer (ID number masked); a deleted one shows nothing."""
    if cert.status == DELETED:
        return {"status": DELETED}
    return {
        "status": cert.status,
        "reason": cert.status_reason or "",
        "name": cert.holder_name,
        "id_type": cert.id_type,
        "id_number": mask_id_number(app.cipher.decrypt(cert.id_number_enc)),
        "occupation": cert.occupation,
        "work_type": cert.work_type,
        "level": cert.level,
        "number": cert.number,
        "issue_date": cert.issue_date.isoformat(),
        "evaluator": cert.evaluator,
        "issuer": cert.issuer,
    }


def _masked(pair: QueryPair) -> dict[str, str]:
    """The values as the audit log may keep them: first character of the name, first and last 4 of the numbers."""
    masked = {}
    for value in (pair.first, pair.second):
        masked[value.kind] = mask_name(value.value) if value.kind == NAME else mask_id_number(value.value)
    return masked


async def _record(
    app: App, session: AsyncSession, user_id: int, pair: QueryPair, outcome: str, found: list[Certificate], now: datetime
) -> None:
    row = await certificates.add_query(session, user_id, pair.kinds, outcome, now)
    after = {"kinds": pair.kinds, "outcome": outcome, "values": _masked(pair), "certificates": [c.id for c in found]}
    await audit.record(session, user_id, "cert_query", "cert_query", row.id or 0, None, after)
    await _alarm(app, session, now)


async def _alarm(app: App, session: AsyncSession, now: datetime) -> None:
    """Notify staff and admins once per alarm window when the query volume reaches the threshold (counts only)."""
    settings = app.settings
    minutes = settings.cert_alarm_window_minutes
    outcomes = await certificates.query_outcomes(session, now - timedelta(minutes=minutes))
    total = sum(outcomes.values())
    if total < settings.cert_alarm_queries:
        return
    bucket = int(now.timestamp()) // (minutes * 60)
    params = {"count": total, "minutes": minutes, "threshold": settings.cert_alarm_queries,
              "failed": outcomes.get(NO_MATCH, 0), "limited": outcomes.get(LIMITED, 0)}
    try:
        async with session.begin_nested():  # two queries crossing the threshold at once: one notice per person
            for person in await users.by_role(session, STAFF_ROLES):
                await outbox.enqueue(app, session, person.id, [Text("cert.alarm", params)], f"{ALARM_KEY}:{bucket}:{person.id}")
    except IntegrityError:
        pass


async def lookup(app: App, session: AsyncSession, user_id: int, pair: QueryPair | None, now: datetime) -> dict[str, Any]:
    """Facts for the query flow: when a limited user may retry, and for a pair the answer (recorded and audited).

    `limited_until` is the local retry time or None; `lookup` is None without a pair or when the user is limited,
    else `{"pair", "outcome", "certificates"}`. The caller commits.
    """
    until = await retry_at(app, session, user_id, now)
    facts: dict[str, Any] = {"limited_until": local_minute(app, until) if until else None, "lookup": None}
    if pair is None:
        return facts
    if until is not None:
        await _record(app, session, user_id, pair, LIMITED, [], now)
        return facts
    found = await _matches(app, session, pair)
    outcome = NO_MATCH if not found else (DELETED if all(c.status == DELETED for c in found) else FOUND)
    await _record(app, session, user_id, pair, outcome, found, now)
    facts["lookup"] = {"pair": pair.key(), "outcome": outcome, "certificates": [describe(app, c) for c in found]}
    return facts


async def verification(app: App, session: AsyncSession, token: str, viewer_id: int) -> dict[str, Any]:
    """What a certificate QR shows: `invalid` (forged, unknown or stale), `deleted`, or the masked record (audited)."""
    ref = tokens.verify(app.cipher, token)
    cert = await session.get(Certificate, ref.certificate_id) if ref is not None else None
    if ref is None or cert is None:
        return {"result": "invalid"}
    result = "invalid" if cert.version != ref.version else (DELETED if cert.status == DELETED else "ok")
    await audit.record(session, viewer_id, "verify_certificate", "certificate", cert.id or 0, None, {"result": result})
    if result != "ok":
        return {"result": result}
    return {
        "result": result,
        "status": cert.status,
        "reason": cert.status_reason or "",
        "name": mask_name(cert.holder_name),
        "id_type": cert.id_type,
        "id_number": mask_id_number(app.cipher.decrypt(cert.id_number_enc)),
        "occupation": cert.occupation,
        "work_type": cert.work_type,
        "level": cert.level,
        "number": cert.number,
        "issue_date": cert.issue_date.isoformat(),
        "issuer": cert.issuer,
    }
