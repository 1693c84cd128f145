"""Outbox notifications for the console user: taken from the outbox, shown in the terminal, marked sent.

The console has no Telegram and no rate limits; notifications for other chats stay pending for a real sender.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app import App
from bot.outgoing import Outgoing
from bot.services import outbox
from storage.models import utcnow

LEASE = timedelta(minutes=5)
MAX_PER_DRAIN = 200  # a runaway outbox cannot keep the console from reading input


async def show_due(app: App, chat_id: int, show: Callable[[Outgoing], None], now: datetime | None = None) -> int:
    """Show every notification due for `chat_id` in id order with `show`, marking each sent; returns how many."""
    at = now or utcnow()
    shown = 0
    while shown < MAX_PER_DRAIN:
        async with app.sessions() as session:
            rows = await outbox.claim_due(session, at, 1, LEASE, chat_id=chat_id)
        if not rows:
            break
        row = rows[0]
        assert row.id is not None
        try:
            out = outbox.from_payload(row.chat_id, row.payload)
        except (KeyError, TypeError, ValueError) as exc:
            async with app.sessions() as session:
                await outbox.mark_failed(session, row.id, f"unreadable payload ({type(exc).__name__})")
            continue
        show(out)
        async with app.sessions() as session:
            await outbox.mark_sent(session, row.id, at)
        shown += 1
    return shown
