"""Bot object factory honouring TELEGRAM_API_BASE (a local Bot API server or an emulator)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.settings import Settings


def create_bot(settings: Settings) -> Bot:
    """Bot calling `{base}/bot{token}/{method}` and downloading from `{base}/file/bot{token}/{path}`."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_base, is_local=False)
    return Bot(token=settings.telegram_bot_token.get_secret_value(), session=AiohttpSession(api=api))
