"""The notification outbox: messages rendered in the recipient's language, stored, delivered later by the sender.

Used for everything not sent as the direct answer to an update: reminders, and notices to many people at once
(tickets issued, a session moved). A `dedup_key` makes a notification once-only even if it is enqueued twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, update
from sqlalchemy.orm import aliased
import sqlmodel
from sqlmodel import col
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.outgoing import OutMarkup, Outgoing, localize
from flows.replies import Reply
from storage.models import Notification, utcnow
from storage.repositories import users

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNSENT = (PENDING, SENDING)
ERROR_LENGTH = 200  # Notification.last_error


def to_payload(out: Outgoing) -> dict[str, Any]:
    """JSON form of a rendered text message (the outbox carries text and keyboards, not file bytes)."""
    if out.kind != "message":
        raise ValueError(f"the outbox only carries messages, not {out.kind}")
    payload: dict[str, Any] = {"kind": out.kind, "text": out.text}
    if out.markup is not None:
        payload["markup"] = {"kind": out.markup.kind, "rows": [list(r) for r in out.markup.rows], "one_time": out.markup.one_time}
    return payload


def from_payload(chat_id: int, payload: dict[str, Any]) -> Outgoing:
    """Inverse of to_payload for one chat."""
    raw = payload.get("markup")
    markup = None
    if raw:
        markup = OutMarkup(raw["kind"], tuple(tuple(row) for row in raw.get("rows", ())), bool(raw.get("one_time", True)))
    return Outgoing("message", chat_id, str(payload.get("text", "")), markup)


async def recipient_locale(app: App, session: AsyncSession, chat_id: int) -> str:
    """The language a user chose, else the default."""
    user = await users.get(session, chat_id)
    return app.i18n.resolve(user.locale if user else None)


async def enqueue(
    app: App,
    session: AsyncSession,
    chat_id: int,
    replies: list[Reply],
    dedup_key: str | None = None,
    due_at: datetime | None = None,
) -> int:
    """Render `replies` for `chat_id` and store them (in the caller's transaction); returns rows added.

    With a `dedup_key`, a notification already stored under that key is not added again (parts get `#n` suffixes).
    """
    locale = await recipient_locale(app, session, chat_id)
    outgoing = [o for o in localize(app.i18n, locale, chat_id, replies) if o.kind == "message"]
    added = 0
    for i, out in enumerate(outgoing):
        key = None if dedup_key is None else (dedup_key if i == 0 else f"{dedup_key}#{i}")
        if key is not None:
            taken = await session.exec(select(Notification.id).where(Notification.dedup_key == key))
            if taken.first() is not None:
                continue
        session.add(Notification(chat_id=chat_id, dedup_key=key, payload=to_payload(out), due_at=due_at or utcnow()))
        added += 1
    return added


def _first_in_chat(now: datetime) -> ColumnElement[bool]:
    """SQL condition: no older notification for the same chat is due or under way (sent first, in id order).

    Under way: being sent, or waiting for a retry (it has an error). An older one merely scheduled for later (a
    reminder) holds nothing back.
    """
    older = aliased(Notification)
    under_way = or_(
        col(older.due_at) <= now, col(older.status) == SENDING, col(older.attempts) > 0, col(older.last_error).is_not(None)
    )
    return ~exists().where(
        col(older.chat_id) == col(Notification.chat_id),
        col(older.id) < col(Notification.id),
        col(older.status).in_(UNSENT),
        under_way,
    )


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta, chat_id: int | None = None
) -> list[Notification]:
    """Take up to `limit` due notifications for sending and commit: status `sending`, `due_at = now + lease`.

    Due means pending with `due_at <= now`, or `sending` whose lease expired (a sender crashed; counted as an
    attempt). A notification is taken only when no older one for its chat is due or under way, so a chat gets its
    messages in id order (a retried one keeps its place) and a batch holds one message per chat. Safe with several
    senders: PostgreSQL skips rows locked by another claim (FOR UPDATE SKIP LOCKED), SQLite transactions take the
    write lock at BEGIN.
    """
    query = (
        sqlmodel.select(Notification)
        .where(col(Notification.status).in_(UNSENT), col(Notification.due_at) <= now, _first_in_chat(now))
        .order_by(col(Notification.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if chat_id is not None:
        query = query.where(col(Notification.chat_id) == chat_id)
    rows = list((await session.exec(query)).all())
    for row in rows:
        if row.status == SENDING:
            row.attempts += 1
            row.last_error = "lease expired"
        row.status = SENDING
        row.due_at = now + lease
    await session.commit()
    return rows


async def _finish(session: AsyncSession, row_ids: Iterable[int], **values: Any) -> int:
    """Update notifications still in `sending` and commit; returns how many changed."""
    ids = list(row_ids)
    if not ids:
        return 0
    statement = update(Notification).where(col(Notification.id).in_(ids), col(Notification.status) == SENDING).values(**values)
    result = await (await session.connection()).execute(statement)
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _error(text: str) -> str:
    return text[:ERROR_LENGTH]


async def mark_sent(session: AsyncSession, row_id: int, at: datetime) -> bool:
    """The notification was delivered: it is never sent again."""
    return await mark_all_sent(session, [row_id], at) == 1


async def mark_all_sent(session: AsyncSession, row_ids: Iterable[int], at: datetime) -> int:
    """Delivered notifications, marked in one statement (those still `sending`); returns how many."""
    return await _finish(session, row_ids, status=SENT, sent_at=at, last_error=None)


async def mark_retry(session: AsyncSession, row_id: int, at: datetime, error: str, count_attempt: bool = True) -> bool:
    """Back to pending, due at `at`; the failed attempt is counted unless it was flood control (`count_attempt=False`)."""
    values: dict[str, Any] = {"status": PENDING, "due_at": at, "last_error": _error(error)}
    if count_attempt:
        values["attempts"] = col(Notification.attempts) + 1
    return await _finish(session, [row_id], **values) == 1


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> bool:
    """Give up for good (the user blocked the bot, the chat does not exist, too many failed attempts)."""
    return await _finish(session, [row_id], status=FAILED, last_error=_error(error), attempts=col(Notification.attempts) + 1) == 1


async def release(session: AsyncSession, row_ids: Iterable[int], at: datetime, reason: str) -> int:
    """Hand claimed notifications back unsent (no attempt counted), due at `at`, keeping their place; returns how many."""
    return await _finish(session, row_ids, status=PENDING, due_at=at, last_error=_error(reason))


async def pending_count(session: AsyncSession, chat_id: int | None = None) -> int:
    """Notifications not delivered yet (pending or being sent), optionally for one chat."""
    query = sqlmodel.select(func.count()).select_from(Notification).where(col(Notification.status).in_(UNSENT))
    if chat_id is not None:
        query = query.where(col(Notification.chat_id) == chat_id)
    return int((await session.exec(query)).one())
