"""Webhook server: secret, body limits and status mapping; health and purge; real transports; serve_webhook."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import test_utils, web

from bot.app import App, build_app
from bot.webhook import MAX_BODY_BYTES, SECRET_HEADER, WebhookConfigError, create_webhook_app, serve_webhook
from handlers.base import ALLOWED_UPDATES, MenuScope, TemporaryFailure, Transport
from handlers.registry import create_transport
from storage.models import ProcessedUpdate, utcnow
from storage.repositories import users
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support import updates as u
from tests.support.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.support.spec import assert_valid

SECRET = "webhook-Secret_0123456789"
USER = 515151
STAFF = 626262
PHONE = "13800138000"


class StubTransport:
    """Records fed updates and setup calls; optionally fails or blocks in feed."""

    name = "stub"

    def __init__(self, error: BaseException | None = None, gate: asyncio.Event | None = None) -> None:
        self.error = error
        self.gate = gate
        self.started = asyncio.Event()
        self.fed: list[dict[str, Any]] = []
        self.setup: list[str] = []
        self.closed = False

    async def feed(self, update: dict[str, Any]) -> None:
        """Record the update, then wait for the gate or raise the configured error."""
        self.fed.append(update)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error

    async def set_webhook(self, url: str, secret: str | None, allowed_updates: list[str]) -> None:
        """Record the call."""
        self.setup.append("set_webhook")

    async def delete_webhook(self) -> None:
        """Record the call."""
        self.setup.append("delete_webhook")

    async def set_menus(self, scopes: list[MenuScope]) -> None:
        """Record the call."""
        self.setup.append("set_menus")

    async def bot_username(self) -> str | None:
        """A fixed username."""
        return BOT_USERNAME

    async def run_polling(self) -> None:
        """Not used by the webhook server."""

    async def close(self) -> None:
        """Remember that the transport was closed."""
        self.closed = True


class ClosingSpy:
    """Delegates to a real transport and records close()."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.name = inner.name
        self.closed = False

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)

    async def close(self) -> None:
        """Close the real transport and remember it."""
        self.closed = True
        await self.inner.close()


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def served(web_app: web.Application) -> AsyncIterator[test_utils.TestClient[web.Request, web.Application]]:
    """A test client for the application on a loopback test server."""
    async with test_utils.TestClient(test_utils.TestServer(web_app)) as client:
        yield client


@pytest.fixture
async def secured_app(tmp_path: Path) -> AsyncIterator[App]:
    """An App with WEBHOOK_SECRET set and its schema created."""
    application = build_app(make_settings(tmp_path, webhook_secret=SECRET))
    await application.create_schema()
    yield application
    await application.close()


def headers(secret: str | None = SECRET) -> dict[str, str]:
    """Request headers carrying the secret token."""
    return {SECRET_HEADER: secret} if secret is not None else {}


async def post(client: Any, body: Any, secret: str | None = SECRET, path: str = "/webhook") -> aiohttp.ClientResponse:
    """POST a JSON value (or raw bytes) to the webhook."""
    data = io.BytesIO(body if isinstance(body, bytes) else json.dumps(body).encode())
    response: aiohttp.ClientResponse = await client.post(path, data=data, headers={"Content-Type": "application/json", **headers(secret)})
    return response


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


# --- (c) serve_webhook ----------------------------------------------------------------------------------------------


async def wait_until_serving(port: int, task: asyncio.Task[None], api: FakeBotApi | None = None, menus: int = 0) -> None:
    """Poll /healthz (and the emulator for setMyCommands) until the server is fully up."""
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200 and (api is None or len(api.calls_of("setMyCommands")) >= menus):
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the webhook server did not come up")


def scope_of(params: dict[str, Any]) -> dict[str, Any]:
    """The BotCommandScope of a setMyCommands call (omitted means default)."""
    scope = params.get("scope") or {"type": "default"}
    return scope if isinstance(scope, dict) else json.loads(scope)


@pytest.fixture(params=TRANSPORTS, ids=lambda f: f.value)
async def served_app(request: pytest.FixtureRequest, tmp_path: Path, fake_api: FakeBotApi) -> AsyncIterator[tuple[App, ClosingSpy, int]]:
    """App configured for webhook mode on a free port, a staff user in the store, and a spied transport."""
    port = free_port()
    settings = make_settings(
        tmp_path,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base=fake_api.base_url,
        bot_framework=request.param,
        webhook_url="https://bot.example.test/webhook",
        webhook_secret=SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
        bot_username=None,
    )
    application = build_app(settings)
    await application.create_schema()
    async with application.sessions() as session:
        await users.set_role(session, STAFF, "staff")
        await session.commit()
    spy = ClosingSpy(create_transport(application))
    yield application, spy, port
    await application.close()


async def test_serve_webhook_registers_menus_serves_and_shuts_down_cleanly(
    served_app: tuple[App, ClosingSpy, int], fake_api: FakeBotApi
) -> None:
    application, spy, port = served_app
    task = asyncio.create_task(serve_webhook(application, spy))
    await wait_until_serving(port, task, fake_api, menus=3)

    assert application.settings.bot_username == BOT_USERNAME
    (hook,) = fake_api.calls_of("setWebhook")
    assert hook.params["url"] == "https://bot.example.test/webhook"
    assert hook.params["secret_token"] == SECRET
    assert hook.params["allowed_updates"] == ALLOWED_UPDATES
    menus = {(scope_of(c.params)["type"], scope_of(c.params).get("chat_id"), c.params.get("language_code")): c.params["commands"]
             for c in fake_api.calls_of("setMyCommands")}
    default = {c["command"]: c["description"] for c in menus[("default", None, None)]}
    english = {c["command"]: c["description"] for c in menus[("default", None, "en")]}
    staff = {c["command"]: c["description"] for c in menus[("chat", STAFF, None)]}
    assert default["start"] == "开始 / 主菜单" and "invite" not in default
    assert english["start"] == "Start / main menu" and "invite" not in english
    assert staff["invite"] == "生成工作人员邀请链接"

    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{port}/webhook"
        async with session.post(url, json=u.command(USER, "start"), headers=headers()) as response:
            assert response.status == 200
        async with session.post(url, json=u.command(USER, "help"), headers=headers("forged")) as response:
            assert response.status == 403
    assert len(fake_api.calls_of("sendMessage")) == 1

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert spy.closed
    assert fake_api.calls_of("deleteWebhook") == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "purge-update-ids"]
    assert_valid(fake_api.calls)


def stub_app(tmp_path: Path, **overrides: Any) -> App:
    """An App in webhook mode on a free port (no Bot API needed with the stub transport)."""
    values: dict[str, Any] = {
        "webhook_url": "https://bot.example.test/webhook",
        "webhook_secret": SECRET,
        "webhook_host": "127.0.0.1",
        "webhook_port": free_port(),
    }
    values.update(overrides)
    return build_app(make_settings(tmp_path, **values))


@pytest.mark.parametrize(
    "overrides",
    [{"webhook_secret": None}, {"webhook_secret": "has spaces"}, {"webhook_url": None}, {"webhook_url": "http://bot.example.test/webhook"}],
    ids=["no-secret", "bad-secret", "no-url", "plain-http"],
)
async def test_serve_webhook_refuses_an_unsafe_configuration(tmp_path: Path, overrides: dict[str, Any]) -> None:
    application = stub_app(tmp_path, **overrides)
    stub = StubTransport()
    try:
        with pytest.raises(WebhookConfigError):
            await serve_webhook(application, stub)
    finally:
        await application.close()
    assert stub.setup == []


async def test_shutdown_lets_an_in_flight_update_finish(tmp_path: Path) -> None:
    application = stub_app(tmp_path)
    await application.create_schema()
    gate = asyncio.Event()
    stub = StubTransport(gate=gate)
    port = application.settings.webhook_port
    task = asyncio.create_task(serve_webhook(application, stub))
    await wait_until_serving(port, task)
    async with aiohttp.ClientSession() as session:
        request = asyncio.create_task(session.post(f"http://127.0.0.1:{port}/webhook", json=u.command(USER, "start"), headers=headers()))
        await asyncio.wait_for(stub.started.wait(), 5)
        task.cancel()
        await asyncio.sleep(0.2)
        assert not task.done(), "shutdown must wait for the in-flight update"
        gate.set()
        response = await asyncio.wait_for(request, 5)
        assert response.status == 200
        response.release()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stub.setup == ["set_webhook", "set_menus"] and stub.closed


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
async def test_sigterm_stops_the_server(tmp_path: Path) -> None:
    application = stub_app(tmp_path)
    await application.create_schema()
    stub = StubTransport()
    previous = signal.getsignal(signal.SIGTERM)
    task = asyncio.create_task(serve_webhook(application, stub))
    await wait_until_serving(application.settings.webhook_port, task)
    assert signal.getsignal(signal.SIGTERM) is not previous, "serve_webhook must handle SIGTERM itself"
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 10)
    assert stub.closed
    assert signal.getsignal(signal.SIGTERM) in (previous, signal.SIG_DFL)
