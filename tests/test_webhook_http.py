"""Webhook HTTP contract: secret, body limits, status mapping, health, purge; real transports behind it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.webhook import MAX_BODY_BYTES, create_webhook_app
from handlers.base import TemporaryFailure, Transport
from handlers.registry import create_transport
from storage.models import ProcessedUpdate, utcnow
from storage.repositories import users
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support import updates as u
from tests.support.fake_bot_api import FakeBotApi
from tests.support.spec import assert_valid
from tests.support.webhook import PHONE, SECRET, USER, StubTransport, free_port, headers, post, served


@pytest.fixture
async def secured_app(tmp_path: Path) -> AsyncIterator[App]:
    """An App with WEBHOOK_SECRET set and its schema created."""
    application = build_app(make_settings(tmp_path, webhook_secret=SECRET))
    await application.create_schema()
    yield application
    await application.close()


# --- (a) the HTTP contract, with a stub transport -------------------------------------------------------------------


async def test_correct_secret_is_processed_once_and_answered_empty(secured_app: App) -> None:
    stub = StubTransport()
    update = u.command(USER, "start")
    async with served(create_webhook_app(secured_app, stub)) as client:
        response = await post(client, update)
        assert response.status == 200
        assert await response.read() == b""
    assert stub.fed == [update]


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-secret", 403), (SECRET + "x", 403), ("", 403), ("секрет", 403)])
async def test_bad_secret_is_refused_before_anything_is_processed(secured_app: App, secret: str | None, status: int) -> None:
    stub = StubTransport()
    async with served(create_webhook_app(secured_app, stub)) as client:
        response = await post(client, u.command(USER, "start"), secret=secret)
        assert response.status == status
    assert stub.fed == []


async def test_without_a_configured_secret_no_header_is_needed(app: App) -> None:
    stub = StubTransport()
    async with served(create_webhook_app(app, stub)) as client:
        assert (await post(client, u.command(USER, "start"), secret=None)).status == 200
    assert len(stub.fed) == 1


async def test_custom_webhook_path_is_used(tmp_path: Path) -> None:
    application = build_app(make_settings(tmp_path, webhook_secret=SECRET, webhook_path="/tg/hook"))
    stub = StubTransport()
    try:
        async with served(create_webhook_app(application, stub)) as client:
            assert (await post(client, u.command(USER, "start"))).status == 404
            assert (await post(client, u.command(USER, "start"), path="/tg/hook")).status == 200
            assert (await client.get("/tg/hook")).status == 405
    finally:
        await application.close()
    assert len(stub.fed) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"",
        json.dumps([{"update_id": 1}]).encode(),
        json.dumps("text").encode(),
        json.dumps({"message": {"text": "hi"}}).encode(),
        json.dumps({"update_id": "12"}).encode(),
        json.dumps({"update_id": 1.5}).encode(),
        json.dumps({"update_id": True}).encode(),
    ],
    ids=["malformed", "not-utf8", "empty", "array", "string", "no-update-id", "string-id", "float-id", "bool-id"],
)
async def test_malformed_updates_are_rejected_with_400(secured_app: App, body: bytes) -> None:
    stub = StubTransport()
    async with served(create_webhook_app(secured_app, stub)) as client:
        assert (await post(client, body)).status == 400
    assert stub.fed == []


async def test_oversized_body_is_rejected_with_413(secured_app: App) -> None:
    stub = StubTransport()
    padding = "x" * (MAX_BODY_BYTES + 1)
    async with served(create_webhook_app(secured_app, stub)) as client:
        assert (await post(client, {"update_id": 1, "padding": padding})).status == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"y" * 65536

        chunked = await client.post("/webhook", data=chunks(), headers=headers())  # no Content-Length
        assert chunked.status == 413
    assert stub.fed == []


async def test_temporary_failure_asks_telegram_to_redeliver(secured_app: App) -> None:
    stub = StubTransport(error=TemporaryFailure("store down"))
    async with served(create_webhook_app(secured_app, stub)) as client:
        assert (await post(client, u.command(USER, "start"))).status == 503


async def test_unexpected_error_is_500_and_the_body_is_not_logged(secured_app: App, caplog: pytest.LogCaptureFixture) -> None:
    stub = StubTransport(error=ValueError(f"bad input {PHONE}"))
    update = u.message(USER, f"my phone is {PHONE}")
    caplog.set_level(logging.DEBUG)
    async with served(create_webhook_app(secured_app, stub)) as client:
        assert (await post(client, update)).status == 500
    assert str(update["update_id"]) in caplog.text and "ValueError" in caplog.text
    assert PHONE not in caplog.text


async def test_healthz_ok(secured_app: App) -> None:
    async with served(create_webhook_app(secured_app, StubTransport())) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_reconnects_after_the_pool_was_disposed(secured_app: App) -> None:
    await secured_app.engine.dispose()  # a disposed pool is not an outage: the next checkout reconnects
    async with served(create_webhook_app(secured_app, StubTransport())) as client:
        assert (await client.get("/healthz")).status == 200


async def test_healthz_degraded_when_the_database_refuses(tmp_path: Path) -> None:
    application = build_app(make_settings(tmp_path, database_url=f"postgresql://u:p@127.0.0.1:{free_port()}/skillbot"))
    try:
        async with served(create_webhook_app(application, StubTransport())) as client:
            response = await client.get("/healthz")
            assert response.status == 503
            assert await response.json() == {"status": "degraded", "database": "unreachable"}
    finally:
        await application.close()


async def test_healthz_degraded_when_the_database_hangs(tmp_path: Path) -> None:
    writers: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()  # accept the connection, never answer

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    application = build_app(make_settings(tmp_path, database_url=f"postgresql://u:p@127.0.0.1:{port}/skillbot?connect_timeout=30"))
    try:
        async with served(create_webhook_app(application, StubTransport(), health_timeout=0.3)) as client:
            started = asyncio.get_running_loop().time()
            assert (await client.get("/healthz")).status == 503
            assert asyncio.get_running_loop().time() - started < 5
    finally:
        server.close()
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        await server.wait_closed()
        await application.close()


async def test_old_update_ids_are_purged_in_the_background(secured_app: App) -> None:
    old = utcnow() - timedelta(hours=secured_app.settings.update_retention_hours + 1)
    async with secured_app.sessions() as session:
        session.add(ProcessedUpdate(update_id=1, processed_at=old))
        session.add(ProcessedUpdate(update_id=2))
        await session.commit()
    async with served(create_webhook_app(secured_app, StubTransport(), purge_interval=0.05)) as client:
        assert client.server.started
        for _ in range(100):
            async with secured_app.sessions() as session:
                if await session.get(ProcessedUpdate, 1) is None:
                    break
            await asyncio.sleep(0.02)
        async with secured_app.sessions() as session:
            assert await session.get(ProcessedUpdate, 1) is None
            assert await session.get(ProcessedUpdate, 2) is not None
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "purge-update-ids"]


# --- (b) the real transports behind the webhook ---------------------------------------------------------------------


@pytest.fixture(params=TRANSPORTS, ids=lambda f: f.value)
async def real(request: pytest.FixtureRequest, tmp_path: Path, fake_api: FakeBotApi) -> AsyncIterator[tuple[App, Transport]]:
    """App with a secret and the production transport (aiogram, then PTB) wired to the emulator."""
    settings = make_settings(
        tmp_path,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base=fake_api.base_url,
        bot_framework=request.param,
        webhook_secret=SECRET,
    )
    application = build_app(settings)
    await application.create_schema()
    transport = create_transport(application)
    yield application, transport
    await transport.close()
    await application.close()


async def test_real_update_is_answered_once_and_redelivery_is_deduplicated(real: tuple[App, Transport], fake_api: FakeBotApi) -> None:
    application, transport = real
    update = u.command(USER, "start")
    async with served(create_webhook_app(application, transport)) as client:
        assert (await post(client, update)).status == 200
        assert len(fake_api.calls_of("sendMessage")) == 1
        assert (await post(client, update)).status == 200
        assert len(fake_api.calls_of("sendMessage")) == 1
    assert "职业技能等级认定" in fake_api.sent_texts()[0]
    assert_valid(fake_api.calls)


async def test_real_update_with_a_wrong_secret_is_neither_answered_nor_stored(real: tuple[App, Transport], fake_api: FakeBotApi) -> None:
    application, transport = real
    update = u.command(USER, "start")
    async with served(create_webhook_app(application, transport)) as client:
        assert (await post(client, update, secret="forged")).status == 403
    assert fake_api.calls_of("sendMessage") == []
    async with application.sessions() as session:
        assert await session.get(ProcessedUpdate, update["update_id"]) is None
        assert await users.get(session, USER) is None


async def test_store_outage_is_reported_as_503(real: tuple[App, Transport], fake_api: FakeBotApi) -> None:
    application, transport = real
    async with application.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TABLE processed_update")
    async with served(create_webhook_app(application, transport)) as client:
        assert (await post(client, u.command(USER, "start"))).status == 503
    assert fake_api.calls_of("sendMessage") == []


