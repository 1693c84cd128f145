"""A clean working directory for the command line tests: no settings from the environment, data under tmp_path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App, build_app
from bot.cli import main
from bot.settings import Settings
from tests.conftest import TEST_DATA_KEY

T = TypeVar("T")
SETTING_VARS = (
    "TELEGRAM_BOT_TOKEN", "DATABASE_URL", "DATA_DIR", "DATA_KEY", "WEBHOOK_URL", "WEBHOOK_SECRET", "ADMIN_IDS",
    "BOT_USERNAME", "LOG_LEVEL", "BOT_FRAMEWORK", "DEFAULT_LOCALE", "TIMEZONE", "POLICY",
)


def clean_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in `tmp_path` with only DATA_DIR, DATA_KEY and LOG_LEVEL=WARNING set (no .env, no outside settings)."""
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return tmp_path


def migrated_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`clean_workdir` with the store migrated by `skillbot db upgrade`."""
    clean_workdir(tmp_path, monkeypatch)
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def with_app(use: Callable[[App, AsyncSession], Awaitable[T]]) -> T:
    """Open the working directory's App and a session, run `use`, close the App (from synchronous tests)."""

    async def run() -> T:
        app = build_app(Settings(_env_file=None))  # type: ignore[call-arg]
        try:
            async with app.sessions() as session:
                return await use(app, session)
        finally:
            await app.close()

    return asyncio.run(run())


def in_store(query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`with_app` for a query that needs only the session."""
    return with_app(lambda _app, session: query(session))
