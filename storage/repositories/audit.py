"""Audit trail writes; values must already be masked by the caller."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditLog


async def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry in the current transaction."""
    session.add(AuditLog(actor_id=actor_id, action=action, entity=entity, entity_id=str(entity_id), before=before, after=after))


async def for_entity(session: AsyncSession, entity: str, entity_id: str | int) -> list[AuditLog]:
    """Entries about one entity, oldest first."""
    result = await session.exec(
        select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id)).order_by(AuditLog.id)  # type: ignore[arg-type]
    )
    return list(result.all())
