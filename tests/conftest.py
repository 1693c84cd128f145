"""Shared fixtures: an App on a temporary store, the Bot API emulator, transports to feed updates through."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.scheduler.service import SchedulerService, start_scheduler
from bot.settings import Framework, Settings
from handlers.base import Transport
from handlers.registry import create_transport
from tests.support.fake_bot_api import FakeBotApi
from tests.support.pg import temporary_database
from tests.support.spec import assert_valid

TEST_TOKEN = "123456:TEST-token-for-the-emulator"
TEST_DATA_KEY = "test-data-key-0123456789abcdef-0123456789"
ADMIN_ID = 900001

TRANSPORTS = [Framework.AIOGRAM, Framework.PTB]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings isolated from the developer's environment and .env file (SQLite in tmp_path by default)."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "data_key": TEST_DATA_KEY,
        "admin_ids": [ADMIN_ID],
        "bot_username": "skillbot_test_bot",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh store per test: SQLite in tmp_path, or a new PostgreSQL database when SKILLBOT_TEST_DB=postgres."""
    if os.environ.get("SKILLBOT_TEST_DB", "sqlite") == "postgres":
        with temporary_database(with_schema=True) as url:  # tables copied from a template: create_schema finds them
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[App]:
    """An App with its schema created on a fresh store."""
    application = build_app(make_settings(tmp_path, database_url=database_url))
    await application.create_schema()
    yield application
    await application.close()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The loopback Bot API emulator."""
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


class Harness:
    """Feeds Update JSON through a production transport and reads back the captured API calls."""

    def __init__(self, app: App, transport: Transport, api: FakeBotApi) -> None:
        self.app = app
        self.transport = transport
        self.api = api

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update to completion."""
        await self.transport.feed(update)

    def texts(self) -> list[str]:
        """Texts sent so far."""
        return self.api.sent_texts()

    def last_text(self) -> str:
        """Text of the last sendMessage."""
        texts = self.texts()
        return texts[-1] if texts else ""

    def last_markup(self) -> dict[str, Any] | None:
        """reply_markup of the last sendMessage."""
        calls = self.api.calls_of("sendMessage")
        return calls[-1].params.get("reply_markup") if calls else None

    def buttons(self) -> list[dict[str, Any]]:
        """Inline buttons of the last message that had an inline keyboard."""
        for call in reversed(self.api.calls_of("sendMessage")):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                return [b for row in markup["inline_keyboard"] for b in row]
        return []

    def clear(self) -> None:
        """Forget captured calls."""
        self.api.clear()


@pytest.fixture(params=TRANSPORTS, ids=lambda f: f.value)
async def harness(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str, fake_api: FakeBotApi
) -> AsyncIterator[Harness]:
    """Production transport (aiogram, then PTB) wired to the emulator; every captured call is spec-checked."""
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base=fake_api.base_url,
        bot_framework=request.param,
    )
    application = build_app(settings)
    await application.create_schema()
    transport = create_transport(application)
    yield Harness(application, transport, fake_api)
    await transport.close()
    await application.close()
    assert_valid(fake_api.calls)


@pytest.fixture
async def jobs(app: App) -> AsyncIterator[SchedulerService]:
    """A paused scheduler on the `app` fixture's database: jobs are stored (app.jobs is set) but never run here."""
    service = await start_scheduler(app, paused=True)
    yield service
    await service.shutdown()
