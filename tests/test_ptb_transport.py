"""python-telegram-bot specifics: failures escape PTB's error routing, polling, event conversion."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update

from bot.app import App, build_app
from bot.services import usecases
from bot.settings import Framework
from flows.events import ContactShared, FileInput, Unsupported
from handlers.base import ALLOWED_UPDATES, TemporaryFailure
from handlers.ptb import transport as ptb_transport
from handlers.ptb.convert import message_event
from handlers.ptb.transport import PtbTransport
from storage.db import session_factory
from tests.conftest import TEST_TOKEN, make_settings
from tests.support import updates as u
from tests.support.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.support.spec import assert_valid

USER = 515151
SECRET_TEXT = "secret-detail-that-must-not-be-logged"


@pytest.fixture
async def ptb(tmp_path: Path, fake_api: FakeBotApi) -> AsyncIterator[tuple[App, PtbTransport]]:
    """App on a fresh store and the PTB transport wired to the emulator; calls are spec-checked afterwards."""
    settings = make_settings(tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url, bot_framework=Framework.PTB)
    application = build_app(settings)
    await application.create_schema()
    transport = PtbTransport(application)
    yield application, transport
    await transport.close()
    await application.close()
    assert_valid(fake_api.calls)


def test_construction_makes_no_network_call(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_bot_token=TEST_TOKEN, telegram_api_base="http://127.0.0.1:9", bot_framework=Framework.PTB)
    transport = PtbTransport(build_app(settings))
    assert transport.name == "ptb"
    assert transport.application.bot.base_url == f"http://127.0.0.1:9/bot{TEST_TOKEN}"
    assert transport.application.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TEST_TOKEN}"


async def test_store_outage_raises_temporary_failure_out_of_feed(ptb: tuple[App, PtbTransport], fake_api: FakeBotApi, tmp_path: Path) -> None:
    application, transport = ptb
    await application.engine.dispose()
    application.engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}")
    application.sessions = session_factory(application.engine)
    with pytest.raises(TemporaryFailure):
        await transport.feed(u.command(USER, "start"))
    assert fake_api.calls_of("sendMessage") == []


async def test_transient_error_inside_a_handler_propagates_and_the_update_can_be_redelivered(
    ptb: tuple[App, PtbTransport], fake_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, transport = ptb
    real_simple = usecases.simple

    async def store_down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection lost"))

    monkeypatch.setattr(usecases, "simple", store_down)
    update = u.command(USER, "help")
    with pytest.raises(TemporaryFailure) as raised:
        await transport.feed(update)
    assert isinstance(raised.value.__cause__, OperationalError)
    assert fake_api.calls_of("sendMessage") == []

    monkeypatch.setattr(usecases, "simple", real_simple)
    await transport.feed(update)  # Telegram's redelivery: the update_id claim was released
    assert len(fake_api.calls_of("sendMessage")) == 1


async def test_unexpected_error_apologizes_once_and_logs_no_message_text(
    ptb: tuple[App, PtbTransport], fake_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    application, transport = ptb

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(SECRET_TEXT)

    monkeypatch.setattr(usecases, "user_input", broken)
    caplog.set_level(logging.DEBUG)
    await transport.feed(u.message(USER, "王小明"))
    apology = application.i18n.render(application.settings.default_locale, "error.internal")
    assert fake_api.sent_texts() == [apology]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError" in logged
    assert SECRET_TEXT not in logged and "王小明" not in logged
    assert not any(r.exc_info for r in caplog.records if r.name.startswith(("telegram", "handlers")))


async def test_polling_deletes_the_webhook_processes_updates_and_stops_on_cancel(
    ptb: tuple[App, PtbTransport], fake_api: FakeBotApi
) -> None:
    _, transport = ptb
    task = asyncio.create_task(transport.run_polling())
    await fake_api.updates.put(u.command(USER, "start"))
    await fake_api.updates.put(u.command(USER, "help"))
    for _ in range(200):
        if len(fake_api.calls_of("sendMessage")) >= 2 or task.done():
            break
        await asyncio.sleep(0.02)
    assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (hook,) = fake_api.calls_of("deleteWebhook")
    assert hook.params.get("drop_pending_updates") in (False, "false", None)
    texts = fake_api.sent_texts()
    assert len(texts) == 2 and "职业技能等级认定" in texts[0]
    assert [c.method for c in fake_api.calls][:2] == ["getMe", "deleteWebhook"]


async def test_polling_survives_a_store_outage_and_processes_the_redelivered_update(
    ptb: tuple[App, PtbTransport], fake_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, transport = ptb
    monkeypatch.setattr(ptb_transport, "MIN_BACKOFF", 0.05)
    real_start = usecases.start
    failed = asyncio.Event()

    async def down_once(*args: Any, **kwargs: Any) -> Any:
        if not failed.is_set():
            failed.set()
            raise OperationalError("SELECT 1", {}, Exception("connection lost"))
        return await real_start(*args, **kwargs)

    monkeypatch.setattr(usecases, "start", down_once)
    update = u.command(USER, "start")
    task = asyncio.create_task(transport.run_polling())
    await fake_api.updates.put(update)
    await asyncio.wait_for(failed.wait(), 5)
    await fake_api.updates.put(update)  # the offset was not confirmed, so Telegram sends the update again
    for _ in range(200):
        if fake_api.calls_of("sendMessage") or task.done():
            break
        await asyncio.sleep(0.02)
    assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    texts = fake_api.sent_texts()
    assert len(texts) == 1 and "职业技能等级认定" in texts[0]


async def test_setup_calls_reach_the_emulator(ptb: tuple[App, PtbTransport], fake_api: FakeBotApi) -> None:
    _, transport = ptb
    assert await transport.bot_username() == BOT_USERNAME
    await transport.set_webhook("https://bot.example.test/webhook", "s3cret", list(ALLOWED_UPDATES))
    (hook,) = fake_api.calls_of("setWebhook")
    assert hook.params["allowed_updates"] == ALLOWED_UPDATES and hook.params["secret_token"] == "s3cret"
    assert len(fake_api.calls_of("getMe")) == 1  # initialize() ran once


def _message(update: dict[str, Any]) -> Any:
    parsed = Update.de_json(update, None)
    assert parsed.message is not None
    return parsed.message


def test_conversion_of_contacts_files_and_other_content() -> None:
    assert message_event(_message(u.contact(USER, "+8613800138000"))) == ContactShared("+8613800138000", True)
    assert message_event(_message(u.contact(USER, "+8613800138000", own=False))) == ContactShared("+8613800138000", False)
    photo = message_event(_message(u.photo(USER)))
    assert isinstance(photo, FileInput) and photo.file_id == "AgAC-photo" and (photo.width, photo.height) == (413, 579)
    document = message_event(_message(u.document(USER)))
    assert isinstance(document, FileInput) and document.kind == "document" and document.file_name == "proof.pdf"
    assert message_event(_message(u.sticker(USER))) == Unsupported("sticker")
    location = u.message(USER, location={"latitude": 28.2, "longitude": 112.9})
    assert message_event(_message(location)) == Unsupported("location")
