"""Certificate records (K1); the holder's ID number is stored encrypted with a keyed lookup hash."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Certificate, CertQuery


async def numbers_with_prefix(session: AsyncSession, prefix: str) -> set[str]:
    """Certificate numbers starting with `prefix` (e.g. one evaluator's K2 prefix)."""
    result = await session.exec(select(Certificate.number).where(Certificate.number.startswith(prefix)))  # type: ignore[attr-defined]
    return set(result.all())


async def add_many(session: AsyncSession, certificates: list[Certificate]) -> None:
    """Insert certificates in the current transaction."""
    session.add_all(certificates)
    await session.flush()


async def count(session: AsyncSession, prefix: str = "") -> int:
    """Number of certificates, optionally only those whose number starts with `prefix`."""
    query = select(func.count()).select_from(Certificate)
    if prefix:
        query = query.where(Certificate.number.startswith(prefix))  # type: ignore[attr-defined]
    result = await session.exec(query)
    return int(result.one())


async def by_number(session: AsyncSession, number: str) -> Certificate | None:
    """The certificate with this number, if any."""
    result = await session.exec(select(Certificate).where(Certificate.number == number))
    return result.first()


async def by_id_hash(session: AsyncSession, id_number_hash: str) -> list[Certificate]:
    """Certificates of the holder whose normalized ID number has this lookup hash."""
    result = await session.exec(select(Certificate).where(Certificate.id_number_hash == id_number_hash))
    return list(result.all())


# Certificate queries (K3): the rate limit per user and the volume alarm count rows of `cert_query`.


async def add_query(session: AsyncSession, user_id: int, kinds: str, outcome: str, at: datetime) -> CertQuery:
    """Record one certificate query (kinds and outcome only, never the values) and flush it for its id."""
    row = CertQuery(user_id=user_id, kinds=kinds, outcome=outcome, at=at)
    session.add(row)
    await session.flush()
    return row


async def query_times(session: AsyncSession, user_id: int, outcome: str, since: datetime) -> list[datetime]:
    """When the user's queries with this outcome happened since `since`, oldest first."""
    result = await session.exec(
        select(CertQuery.at)
        .where(CertQuery.user_id == user_id, CertQuery.outcome == outcome, col(CertQuery.at) >= since)
        .order_by(col(CertQuery.at))
    )
    return list(result.all())


async def query_outcomes(session: AsyncSession, since: datetime) -> dict[str, int]:
    """How many queries of every user since `since`, per outcome."""
    result = await session.exec(
        select(CertQuery.outcome, func.count()).where(col(CertQuery.at) >= since).group_by(col(CertQuery.outcome))
    )
    return {outcome: int(n) for outcome, n in result.all()}


# Roster import and export (bot/services/cert_roster_import.py, cert_roster_export.py): plain rows, no ORM objects.

ROSTER_SIGNATURE = (
    "holder_name", "id_type", "id_number_hash", "work_unit", "occupation", "work_type", "level", "issue_date", "evaluator", "issuer",
)
BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while a roster is imported
ROSTER_INSERT = (
    "number", "holder_name", "id_type", "id_number_enc", "id_number_hash", "work_unit", "occupation", "work_type", "level",
    "issue_date", "evaluator", "issuer", "status", "status_reason", "source", "batch_id", "reissue_count", "version",
    "created_at", "updated_at",
)
ROSTER_COLUMNS = (
    "number", "holder_name", "id_type", "id_number_enc", "work_unit", "occupation", "work_type", "level", "issue_date", "evaluator", "issuer",
)


async def stored_signatures(session: AsyncSession, numbers: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """The stored ROSTER_SIGNATURE values of the certificates with these numbers (any status), by number."""
    if not numbers:
        return {}
    table = Certificate.__table__.c  # type: ignore[attr-defined]
    query = sa_select(table.number, *(table[name] for name in ROSTER_SIGNATURE)).where(table.number.in_(list(numbers)))
    connection = await session.connection()
    result = await connection.execute(query)
    return {row[0]: tuple(row[1:]) for row in result}


async def insert_rows(session: AsyncSession, rows: list[tuple[Any, ...]]) -> None:
    """Insert certificates given as ROSTER_INSERT value tuples in the current transaction, in bulk: COPY on PostgreSQL,
    one executemany of the driver elsewhere (no ORM objects, no per-row statement building; values pass the columns'
    own bind conversions, e.g. dates to text on SQLite)."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    table = Certificate.__table__  # type: ignore[attr-defined]
    convert = [(i, f) for i, name in enumerate(ROSTER_INSERT) if (f := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))]
    if convert:
        done: list[dict[Any, Any]] = [{} for _ in convert]  # converted values per column: dates and stamps repeat a lot
        converted = []
        for row in rows:
            values = list(row)
            for (index, processor), memo in zip(convert, done):
                value = values[index]
                if value not in memo:
                    memo[value] = processor(value)
                values[index] = memo[value]
            converted.append(tuple(values))
        rows = converted  # type: ignore[assignment]
    names = ", ".join(ROSTER_INSERT)
    if dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        async with raw.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            async with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for values in rows:
                    await copy.write_row(values)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(ROSTER_INSERT))
    if compiled.positional:
        order = [ROSTER_INSERT.index(name) for name in compiled.positiontup or ()]
        if order != list(range(len(ROSTER_INSERT))):
            rows = [tuple(values[i] for i in order) for values in rows]
        await connection.exec_driver_sql(str(compiled), rows)
    else:
        await connection.exec_driver_sql(str(compiled), [dict(zip(ROSTER_INSERT, values)) for values in rows])


@contextlib.asynccontextmanager
async def bulk_cache(session: AsyncSession, kib: int = BULK_CACHE_KIB) -> AsyncIterator[None]:
    """A larger SQLite page cache for this session's connection during a bulk import (its inserts touch large
    indexes), restored afterwards; nothing on other databases."""
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar()
    await connection.exec_driver_sql(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        await connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


async def roster_rows(session: AsyncSession, evaluator: str = "", prefix: str = "", batch: int = 2000) -> AsyncIterator[tuple[Any, ...]]:
    """Valid certificates as ROSTER_COLUMNS tuples by issue date and number; with `evaluator` or `prefix`, only that body's
    (evaluation body named `evaluator`, or K2 number starting with `prefix`)."""
    table = Certificate.__table__.c  # type: ignore[attr-defined]
    query = sa_select(*(table[name] for name in ROSTER_COLUMNS)).where(table.status == "valid")
    body = [c for c in (table.evaluator == evaluator if evaluator else None, table.number.startswith(prefix) if prefix else None) if c is not None]
    if body:
        query = query.where(or_(*body))
    query = query.order_by(table.issue_date, table.number).execution_options(yield_per=batch)
    connection = await session.connection()
    result = await connection.stream(query)
    async for row in result:
        yield tuple(row)
