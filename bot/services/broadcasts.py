"""Broadcasts to a batch's candidates or to a role, delivered through the outbox (one notification per recipient).

A command stores a draft `Broadcast` row (audience, text, recipient count); confirming it queues one notification per
recipient under the dedup key `bc:<broadcast id>:<chat id>`, so a second press, two staff pressing at once or a restart
in the middle never sends a message twice. Delivery (Telegram's ~30 msg/s, one per second per chat, 429 retry_after)
is the outbox sender's job; progress is read back from the notifications. Audit entries carry the audience and counts,
never the text's recipients' data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.advertising import offending
from bot.services import outbox
from flows import broadcast as flow
from storage.models import Application, Broadcast, ExamBatch, Notification, Ticket, UserAccount
from storage.repositories import audit

RECENT = 5
LIVE_TICKET = "active"


def dedup_key(broadcast_id: int, chat_id: int) -> str:
    """The outbox key of one recipient's message: at most one per broadcast and chat."""
    return f"{flow.PREFIX}:{broadcast_id}:{chat_id}"


def _key_prefix(broadcast_id: int) -> str:
    return f"{flow.PREFIX}:{broadcast_id}:"


def forbidden_words(text: str) -> tuple[str, ...]:
    """O2 advertising words in a broadcast text (003 (十九)); empty when it may be sent."""
    return offending(text)


async def batch(session: AsyncSession, batch_id: int) -> ExamBatch | None:
    """The batch a `batch:<id>` audience names."""
    return await session.get(ExamBatch, batch_id)


async def recipients(session: AsyncSession, audience: flow.Audience) -> list[int] | None:
    """Chat ids of an audience, sorted; None when its batch does not exist.

    A batch reaches its candidates: holders of its active tickets and, before seating, the approved applicants of its
    announcement at its level. A role reaches every account holding it.
    """
    if audience.kind == flow.ROLE:
        found = await session.exec(select(UserAccount.id).where(UserAccount.role == audience.value))
        return sorted(set(found.all()))
    planned = await batch(session, int(audience.value))
    if planned is None:
        return None
    holders = await session.exec(
        select(Ticket.user_id).where(Ticket.batch_id == planned.id, Ticket.status == LIVE_TICKET)
    )
    chats = set(holders.all())
    if planned.announcement_id is not None:
        applicants = await session.exec(
            select(Application.user_id).where(
                Application.announcement_id == planned.announcement_id,
                Application.level == planned.level,
                Application.status == "approved",
            )
        )
        chats |= set(applicants.all())
    return sorted(chats)


async def draft(session: AsyncSession, actor_id: int, audience: flow.Audience, text: str, count: int) -> Broadcast:
    """Store the unconfirmed broadcast (audited, not committed)."""
    row = Broadcast(created_by=actor_id, audience=audience.key(), text=text, total=count)
    session.add(row)
    await session.flush()
    assert row.id is not None
    await audit.record(session, actor_id, "broadcast_draft", "broadcast", row.id, None, {"audience": row.audience, "total": count})
    return row


async def queued_count(session: AsyncSession, broadcast_id: int) -> int:
    """Notifications already queued for a broadcast (0: not confirmed yet)."""
    query = select(func.count()).select_from(Notification).where(col(Notification.dedup_key).startswith(_key_prefix(broadcast_id)))
    return int((await session.exec(query)).one())


@dataclass(frozen=True)
class Confirmed:
    """The outcome of a confirmation: `queued` messages added now; `already` when an earlier press had queued them."""

    broadcast_id: int
    queued: int
    already: bool


async def confirm(app: App, session: AsyncSession, actor_id: int, broadcast_id: int, now: datetime) -> Confirmed | None:
    """Queue one message per recipient (resolved now) and commit; None when the broadcast does not exist.

    Idempotent: a broadcast with queued messages is not queued again, and the dedup keys make a concurrent second
    confirmation fail its insert (rolled back, reported as already queued).
    """
    row = await session.get(Broadcast, broadcast_id)
    if row is None:
        return None
    if await queued_count(session, broadcast_id) > 0:
        return Confirmed(broadcast_id, 0, True)
    audience = flow.parse_audience(row.audience)
    chats = (await recipients(session, audience) if audience is not None else None) or []
    added = 0
    for chat_id in chats:
        added += await outbox.enqueue(app, session, chat_id, [flow.message(row.text)], dedup_key(broadcast_id, chat_id), now)
    row.total = len(chats)
    session.add(row)
    await audit.record(session, actor_id, "broadcast_send", "broadcast", broadcast_id, None, {"audience": row.audience, "total": len(chats)})
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return Confirmed(broadcast_id, 0, True)
    return Confirmed(broadcast_id, added, False)


async def drop(session: AsyncSession, actor_id: int, broadcast_id: int) -> bool:
    """Delete an unconfirmed draft (audited, committed); False when it was confirmed already or is gone."""
    row = await session.get(Broadcast, broadcast_id)
    if row is None or await queued_count(session, broadcast_id) > 0:
        return False
    await audit.record(session, actor_id, "broadcast_drop", "broadcast", broadcast_id, {"audience": row.audience, "total": row.total}, None)
    await session.delete(row)
    await session.commit()
    return True


async def progress_of(session: AsyncSession, row: Broadcast) -> flow.Progress:
    """Delivery counts of one broadcast from its notifications."""
    assert row.id is not None
    query = (
        select(Notification.status, func.count())
        .where(col(Notification.dedup_key).startswith(_key_prefix(row.id)))
        .group_by(col(Notification.status))
    )
    counts = {status: int(n) for status, n in (await session.exec(query)).all()}
    pending = sum(counts.get(s, 0) for s in outbox.UNSENT)
    return flow.Progress(row.id, row.audience, row.total, counts.get(outbox.SENT, 0), counts.get(outbox.FAILED, 0), pending, row.created_at)


async def recent(session: AsyncSession, limit: int = RECENT) -> list[flow.Progress]:
    """The latest broadcasts, newest first, with their delivery counts."""
    rows = (await session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit))).all()
    return [await progress_of(session, row) for row in rows]


async def batch_names(session: AsyncSession, audiences: list[str]) -> dict[str, str]:
    """Names of the batches some audiences name, keyed by the audience."""
    names: dict[str, str] = {}
    for audience in audiences:
        parsed = flow.parse_audience(audience)
        if parsed is not None and parsed.kind == flow.BATCH:
            found = await batch(session, int(parsed.value))
            if found is not None:
                names[audience] = found.name
    return names
