"""Download a user's upload through the configured Bot API server (for inspection, never stored)."""

from __future__ import annotations

from telegram import Bot

from bot.services.uploads import Fetch


def fetcher(bot: Bot) -> Fetch:
    """getFile, then download `{base}/file/bot{token}/{path}` into memory."""

    async def fetch(file_id: str) -> bytes | None:
        file = await bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    return fetch
