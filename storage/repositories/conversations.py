"""Conversation state with optimistic locking on the version column; the document is stored encrypted."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation, utcnow


class StaleState(Exception):
    """Another update of the same user saved first; reload and retry."""


async def load(session: AsyncSession, user_id: int) -> tuple[str, int]:
    """Stored (encrypted) state document and its version; ("", 0) when none."""
    row = await session.get(Conversation, user_id, populate_existing=True)
    if row is None:
        return "", 0
    return row.data_enc, row.version


async def save(session: AsyncSession, user_id: int, data_enc: str, expected_version: int) -> int:
    """Write state if nobody else did since `expected_version`; returns the new version or raises StaleState."""
    if expected_version == 0:
        existing = await session.get(Conversation, user_id)
        if existing is not None:
            raise StaleState(user_id)
        session.add(Conversation(user_id=user_id, data_enc=data_enc, version=1))
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent first save won the primary key (PostgreSQL)
            raise StaleState(user_id) from exc
        return 1
    stmt = (
        update(Conversation)
        .where(Conversation.user_id == user_id, Conversation.version == expected_version)  # type: ignore[arg-type]
        .values(data_enc=data_enc, version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = await (await session.connection()).execute(stmt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleState(user_id)
    return expected_version + 1
