"""One-time staff invitations stored by token hash."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Invite


async def add(session: AsyncSession, token_hash: str, role: str, created_by: int, expires_at: datetime) -> Invite:
    """Store a new invite."""
    invite = Invite(token_hash=token_hash, role=role, created_by=created_by, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def by_hash(session: AsyncSession, token_hash: str) -> Invite | None:
    """The invite with this token hash, if any."""
    result = await session.exec(select(Invite).where(Invite.token_hash == token_hash))
    return result.first()


async def mark_used(session: AsyncSession, invite: Invite, user_id: int, at: datetime) -> None:
    """Consume an invite."""
    invite.used_by, invite.used_at = user_id, at
    session.add(invite)
    await session.flush()
