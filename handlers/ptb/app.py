"""Application factory honouring TELEGRAM_API_BASE (a local Bot API server or an emulator)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot

from bot.settings import Settings
from handlers.ptb.context import InFlight, TurnContext

PtbApplication = Application[ExtBot[None], TurnContext, dict[Any, Any], dict[Any, Any], InFlight, Any]


def create_application(settings: Settings) -> PtbApplication:
    """Application calling `{base}/bot{token}/{method}`, without updater or job queue; makes no network call."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .context_types(ContextTypes(context=TurnContext, bot_data=InFlight))
        .updater(None)
        .job_queue(None)
    )
    return builder.build()
