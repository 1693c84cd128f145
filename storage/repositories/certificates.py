"""Certificate records (K1); the holder's ID number is stored encrypted with a keyed lookup hash."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Certificate


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
