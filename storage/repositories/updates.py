"""Processed Telegram update ids: a redelivered update is recognized and skipped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedUpdate, utcnow


async def claim(session: AsyncSession, update_id: int) -> bool:
    """Record and commit the update id; False if it was processed (or is being processed) already."""
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def release(session: AsyncSession, update_id: int) -> None:
    """Forget an update id whose processing failed, so a redelivery is processed."""
    await (await session.connection()).execute(delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))  # type: ignore[arg-type]
    await session.commit()


async def purge(session: AsyncSession, retention: timedelta) -> int:
    """Delete ids older than the retention window; returns how many were removed."""
    result = await (await session.connection()).execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - retention))  # type: ignore[arg-type]
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
