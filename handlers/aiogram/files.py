"""Download a user's upload through the configured Bot API server (for inspection, never stored)."""

from __future__ import annotations

from aiogram import Bot

from bot.services.uploads import Fetch


def fetcher(bot: Bot) -> Fetch:
    """getFile, then download `{base}/file/bot{token}/{path}` into memory."""

    async def fetch(file_id: str) -> bytes | None:
        file = await bot.get_file(file_id)
        if not file.file_path:
            return None
        data = await bot.download_file(file.file_path)
        return data.read() if data is not None else None

    return fetch
