"""Entry of every update, shared by all transports: dedup by update_id, user bootstrap, one session."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from bot.app import App
from bot.services.turn import Actor, Turn
from storage.repositories import audit, updates, users

log = logging.getLogger(__name__)


@asynccontextmanager
async def update_scope(app: App, update_id: int | None, actor: Actor | None) -> AsyncIterator[Turn | None]:
    """Open the update's session; yields None for an already processed update or one without a user."""
    async with app.sessions() as session:
        if update_id is not None and not await updates.claim(session, update_id):
            log.info("update %s already processed, skipped", update_id)
            yield None
            return
        try:
            if actor is None:
                yield None
                return
            user = await users.touch(session, actor.user_id, actor.first_name, actor.username)
            if actor.user_id in app.settings.admin_ids and user.role != "admin":
                before = {"role": user.role}
                await users.set_role(session, actor.user_id, "admin")
                await audit.record(session, None, "bootstrap_admin", "user", actor.user_id, before, {"role": "admin"})
            await session.commit()
            yield Turn(app, session, actor)
        except BaseException:
            await session.rollback()
            if update_id is not None:
                try:
                    await updates.release(session, update_id)
                except Exception:  # the store may be down: Telegram redelivers and the claim is gone anyway
                    log.warning("could not release update %s after a failure", update_id)
            raise
