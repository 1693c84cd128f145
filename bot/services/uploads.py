"""Look inside uploaded images before a flow sees them: hash, real size, white background."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Awaitable, Callable

from bot.images import inspect
from flows.events import Event, FileInput

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[bytes | None]]
INSPECT_MAX_BYTES = 5 * 1024 * 1024  # photos larger than the form accepts are not downloaded
IMAGE_TYPES = ("image/jpeg", "image/png")


async def enrich(event: Event, fetch: Fetch | None) -> Event:
    """An image upload with hash, size and background filled in; anything else (or a failed download) unchanged."""
    if fetch is None or not isinstance(event, FileInput):
        return event
    if event.kind == "document" and event.mime_type not in IMAGE_TYPES:
        return event
    if event.size is not None and event.size > INSPECT_MAX_BYTES:
        return event
    try:
        data = await fetch(event.file_id)
    except Exception as exc:  # the form still works without the inspection
        log.warning("could not download an upload for inspection: %s", type(exc).__name__)
        return event
    facts = inspect(data) if data else None
    if facts is None:
        return event
    return replace(event, sha256=facts.sha256, width=facts.width, height=facts.height, white_background=facts.white_background)
