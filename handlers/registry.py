"""Pick the Telegram transport named by BOT_FRAMEWORK."""

from __future__ import annotations

from bot.app import App
from bot.settings import Framework
from handlers.base import Transport


def create_transport(app: App, framework: Framework | None = None) -> Transport:
    """aiogram (default) or python-telegram-bot transport for the app."""
    chosen = framework or app.settings.bot_framework
    if chosen is Framework.PTB:
        from handlers.ptb.transport import PtbTransport

        return PtbTransport(app)
    from handlers.aiogram.transport import AiogramTransport

    return AiogramTransport(app)
