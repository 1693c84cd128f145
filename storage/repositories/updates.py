"""Processed Telegram update ids: a redelivered update is recognized and skipped.

The id is recorded in the same commit as the first change the update makes (`claim_on_commit`), so an update whose
processing died before that commit (process killed, store lost) is processed when Telegram delivers it again, and one
whose changes were committed is never applied twice. Two deliveries of one update racing each other both run, but
only one can commit: the other's commit fails on the primary key and everything it did is rolled back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedUpdate, utcnow

_PENDING = "skillbot.update_claim"  # session.info: the update id to record with the next commit
_DONE = "skillbot.update_claimed"  # session.info: True once a commit of this session recorded it


class DuplicateUpdate(Exception):
    """Another delivery of the same update committed first; this one's changes were rolled back."""


async def seen(session: AsyncSession, update_id: int) -> bool:
    """True when the update id was recorded by a committed transaction."""
    return await session.get(ProcessedUpdate, update_id, populate_existing=True) is not None


def claim_on_commit(session: AsyncSession, update_id: int) -> None:
    """Record `update_id` in the next commit of `session` (and again after a rollback, until one commit succeeds)."""
    sync = session.sync_session
    sync.info[_PENDING] = update_id
    sync.info[_DONE] = False
    if not event.contains(sync, "before_commit", _add_claim):
        event.listen(sync, "before_commit", _add_claim)
        event.listen(sync, "after_commit", _claimed)


def claim_pending(session: AsyncSession) -> bool:
    """True while the session has an update id to record that no commit has recorded yet."""
    info = session.sync_session.info
    return info.get(_PENDING) is not None and not info.get(_DONE)


def claim_committed(session: AsyncSession) -> bool:
    """True once a commit of the session recorded its update id."""
    return bool(session.sync_session.info.get(_DONE))


async def lost_race(session: AsyncSession, exc: BaseException) -> bool:
    """After a rollback: True when `exc` failed a commit because another delivery of the update recorded it first."""
    update_id = session.sync_session.info.get(_PENDING)
    if not isinstance(exc, IntegrityError) or update_id is None or claim_committed(session):
        return False
    return await seen(session, update_id)


def _add_claim(sync: Session) -> None:
    update_id = sync.info.get(_PENDING)
    if update_id is None or sync.info.get(_DONE):
        return
    if not any(isinstance(obj, ProcessedUpdate) and obj.update_id == update_id for obj in sync.new):
        sync.add(ProcessedUpdate(update_id=update_id))


def _claimed(sync: Session) -> None:
    if sync.info.get(_PENDING) is not None:
        sync.info[_DONE] = True


async def release(session: AsyncSession, update_id: int) -> None:
    """Forget an update id whose processing failed after it was recorded, so a redelivery is processed."""
    session.sync_session.info[_PENDING] = None
    await (await session.connection()).execute(delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))  # type: ignore[arg-type]
    await session.commit()


async def purge(session: AsyncSession, retention: timedelta) -> int:
    """Delete ids older than the retention window; returns how many were removed."""
    result = await (await session.connection()).execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - retention))  # type: ignore[arg-type]
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
