"""Entry of every update, shared by all transports: dedup by update_id, user bootstrap, one session."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services.turn import Actor, Turn
from storage.repositories import audit, updates, users

log = logging.getLogger(__name__)


@asynccontextmanager
async def update_scope(app: App, update_id: int | None, actor: Actor | None) -> AsyncIterator[Turn | None]:
    """Open the update's session; yields None for an already processed update or one without a user.

    The update id is recorded with the first commit that carries the update's changes (the user bootstrap before it
    does not count), or at the end for an update that changed nothing. A delivery that lost the race against another
    delivery of the same update ends quietly: its changes were rolled back and it sent nothing after its failed commit.
    """
    async with app.sessions() as session:
        if update_id is not None and await updates.seen(session, update_id):
            log.info("update %s already processed, skipped", update_id)
            yield None
            return
        if actor is None:
            yield None
            return
        try:
            user = await users.touch(session, actor.user_id, actor.first_name, actor.username)
            if actor.user_id in app.settings.admin_ids and user.role != "admin":
                before = {"role": user.role}
                await users.set_role(session, actor.user_id, "admin")
                await audit.record(session, None, "bootstrap_admin", "user", actor.user_id, before, {"role": "admin"})
            await session.commit()
            if update_id is not None:
                updates.claim_on_commit(session, update_id)
            yield Turn(app, session, actor)
            if updates.claim_pending(session):
                await session.commit()  # an update that changed nothing: record it all the same
        except BaseException as exc:
            await session.rollback()
            if isinstance(exc, updates.DuplicateUpdate) or await _lost_race(session, exc):
                log.info("update %s was delivered twice at once; the other delivery committed first", update_id)
                return
            if update_id is not None and updates.claim_committed(session):
                try:
                    await updates.release(session, update_id)
                except Exception:  # the store is down: the redelivery will find the id and be skipped
                    log.warning("could not release update %s after a failure", update_id)
            raise


async def _lost_race(session: AsyncSession, exc: BaseException) -> bool:
    """True when `exc` is the failed commit of a delivery that lost against another delivery of the same update."""
    try:
        return await updates.lost_race(session, exc)
    except Exception:  # the store is down: not a race, report the original failure
        return False
