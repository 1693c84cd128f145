"""The notification outbox: messages rendered in the recipient's language, stored, delivered later by the sender.

Used for everything not sent as the direct answer to an update: reminders, and notices to many people at once
(tickets issued, a session moved). A `dedup_key` makes a notification once-only even if it is enqueued twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
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
            exists = await session.execute(select(Notification.id).where(Notification.dedup_key == key))
            if exists.first() is not None:
                continue
        session.add(Notification(chat_id=chat_id, dedup_key=key, payload=to_payload(out), due_at=due_at or utcnow()))
        added += 1
    return added
