"""TELEGRAM_API_BASE: both frameworks call `{base}/bot{token}/{method}` and download `{base}/file/bot{token}/{path}`."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Framework
from handlers.aiogram.bot import create_bot
from handlers.ptb.app import create_application
from tests.conftest import TEST_TOKEN, make_settings
from tests.support.fake_bot_api import FakeBotApi

CONTENT = b"\x89PNG fake photo bytes"


async def test_aiogram_calls_and_downloads_through_the_custom_base(tmp_path: Path, fake_api: FakeBotApi) -> None:
    settings = make_settings(tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url + "/")
    fake_api.files["AgAC-1"] = CONTENT
    bot = create_bot(settings)
    try:
        file = await bot.get_file("AgAC-1")
        data = await bot.download_file(file.file_path or "")
    finally:
        await bot.session.close()
    assert data is not None and data.read() == CONTENT
    assert fake_api.calls_of("getFile")[0].token == TEST_TOKEN


async def test_ptb_calls_and_downloads_through_the_custom_base(tmp_path: Path, fake_api: FakeBotApi) -> None:
    settings = make_settings(
        tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url, bot_framework=Framework.PTB
    )
    fake_api.files["AgAC-2"] = CONTENT
    application = create_application(settings)
    async with application:
        file = await application.bot.get_file("AgAC-2")
        data = await file.download_as_bytearray()
    assert bytes(data) == CONTENT
    assert fake_api.calls_of("getFile")[0].token == TEST_TOKEN
