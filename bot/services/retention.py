"""Retention of processed update ids: purged at start and then periodically while the bot runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.app import App
from storage.repositories import updates

log = logging.getLogger(__name__)

PURGE_INTERVAL = 3600.0


async def purge_once(app: App) -> int:
    """Delete processed update ids older than UPDATE_RETENTION_HOURS; returns how many were removed."""
    retention = timedelta(hours=app.settings.update_retention_hours)
    async with app.sessions() as session:
        return await updates.purge(session, retention)


async def purge_forever(app: App, stop: asyncio.Event, interval: float = PURGE_INTERVAL) -> None:
    """Purge now and then every `interval` seconds until `stop` is set; failures are logged and retried."""
    while not stop.is_set():
        try:
            removed = await purge_once(app)
            if removed:
                log.info("purged %d processed update ids", removed)
        except Exception as exc:
            log.warning("purging processed update ids failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
