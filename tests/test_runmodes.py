"""Run modes against the Bot API emulator: polling publishes menus, looks up the username and answers updates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_app
from bot.runmodes import RunModeError, run_auto, run_polling, upgrade_database
from bot.settings import Framework
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support import updates as u
from tests.support.fake_bot_api import FakeBotApi


async def _until(predicate: object, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("framework", TRANSPORTS, ids=lambda f: f.value)
async def test_polling_sets_menus_and_answers(tmp_path: Path, fake_api: FakeBotApi, framework: Framework) -> None:
    settings = make_settings(
        tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url, bot_framework=framework, bot_username=None
    )
    app = build_app(settings)
    await upgrade_database(app)
    task = asyncio.create_task(run_polling(app))
    try:
        await fake_api.updates.put(u.command(424242, "start"))
        await _until(lambda: fake_api.sent_texts())
        assert "职业技能等级认定" in fake_api.sent_texts()[-1]
        assert fake_api.calls_of("setMyCommands") and fake_api.calls_of("getMe")
        assert app.settings.bot_username
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await app.close()


async def test_auto_with_token_and_webhook_url_needs_a_secret(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_bot_token=TEST_TOKEN, webhook_url="https://bot.example.org/webhook")
    app = build_app(settings)
    try:
        with pytest.raises(Exception, match="WEBHOOK_SECRET"):
            await run_auto(app)
    finally:
        await app.close()


async def test_polling_without_a_token_is_refused(tmp_path: Path) -> None:
    app = build_app(make_settings(tmp_path))
    try:
        with pytest.raises(RunModeError, match="TELEGRAM_BOT_TOKEN"):
            await run_polling(app)
    finally:
        await app.close()
