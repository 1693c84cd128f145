"""serve_webhook: startup calls, menus, safe configuration, clean shutdown and signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App, build_app
from bot.webhook import WebhookConfigError, serve_webhook
from handlers.base import ALLOWED_UPDATES
from handlers.registry import create_transport
from storage.repositories import users
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support import updates as u
from tests.support.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.support.spec import assert_valid
from tests.support.webhook import SECRET, STAFF, USER, ClosingSpy, StubTransport, free_port, headers


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
    for _ in range(200):  # the menus are published after the server listens; let that finish first
        if "set_menus" in stub.setup:
            break
        await asyncio.sleep(0.025)
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

