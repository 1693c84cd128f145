"""Download an upload again by file_id straight from the Bot API (getFile, then the file URL).

Used when a roster import is confirmed by a button press, where the transport passes no download function. The token
is only put into the request URLs; it is never logged.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.services.uploads import Fetch
from bot.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60


def bot_api_fetch(settings: Settings) -> Fetch | None:
    """A download function over the configured Bot API server, or None without a token (console demo)."""
    if not settings.has_token or settings.telegram_bot_token is None:
        return None
    base, token = settings.telegram_api_base, settings.telegram_bot_token.get_secret_value()

    async def fetch(file_id: str) -> bytes | None:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.post(f"{base}/bot{token}/getFile", json={"file_id": file_id}) as response:
                body: dict[str, Any] = await response.json(content_type=None)
            path = (body.get("result") or {}).get("file_path") if body.get("ok") else None
            if not path:
                log.warning("getFile gave no file path (%s)", body.get("description", "no description"))
                return None
            async with http.get(f"{base}/file/bot{token}/{path}") as response:
                if response.status != 200:
                    log.warning("file download failed with HTTP %d", response.status)
                    return None
                return await response.read()

    return fetch
