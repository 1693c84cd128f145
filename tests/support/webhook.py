"""Helpers for the webhook tests: a recording stub transport, a closing spy, a loopback test client."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import test_utils, web

from bot.webhook import SECRET_HEADER
from handlers.base import MenuScope, Transport
from tests.support.fake_bot_api import BOT_USERNAME

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



def headers(secret: str | None = SECRET) -> dict[str, str]:
    """Request headers carrying the secret token."""
    return {SECRET_HEADER: secret} if secret is not None else {}


async def post(client: Any, body: Any, secret: str | None = SECRET, path: str = "/webhook") -> aiohttp.ClientResponse:
    """POST a JSON value (or raw bytes) to the webhook."""
    data = io.BytesIO(body if isinstance(body, bytes) else json.dumps(body).encode())
    response: aiohttp.ClientResponse = await client.post(path, data=data, headers={"Content-Type": "application/json", **headers(secret)})
    return response

