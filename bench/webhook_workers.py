"""Child processes of `bench webhook`: the Bot API emulator, and the bot under test (skillbot's webhook or an echo bot).

Each runs its own event loop in a spawned process, so the load generator, the emulator and the bot do not share one
interpreter; the parent drives them over a pipe with `(command, args)` messages answered by `("ok" | "error", value)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fake_bot_api import FakeBotApi

Command = Callable[..., Awaitable[Any]]
Stop = Callable[[], Awaitable[None]]

TOKEN = "123456:BENCH-token-for-the-emulator"
SECRET = "bench-webhook-Secret_0123456789"
PATH = "/webhook"
DATA_KEY = "bench-data-key-0123456789abcdef-0123456789"
READY_TIMEOUT = 60.0


class Worker:
    """Parent side of one child process: send a command, await its answer."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=target, args=(child, *args), daemon=True)
        self.process.start()
        child.close()

    async def _answer(self, timeout: float) -> Any:
        status, value = await asyncio.wait_for(asyncio.to_thread(self.conn.recv), timeout)
        if status != "ok":
            raise RuntimeError(f"{self.process.name} failed:\n{value}")
        return value

    async def ready(self) -> Any:
        """The value the child sends when it is up."""
        return await self._answer(READY_TIMEOUT)

    async def call(self, command: str, *args: Any, timeout: float = 300.0) -> Any:
        """Run one command in the child and return its result."""
        self.conn.send((command, args))
        return await self._answer(timeout)

    def close(self) -> None:
        """Ask the child to exit; terminate it when it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(("exit", ()))
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.conn.close()


async def _serve_commands(conn: Connection, commands: dict[str, Command], ready: Any) -> None:
    """Answer commands from the parent until `exit`."""
    conn.send(("ok", ready))
    while True:
        name, args = await asyncio.to_thread(conn.recv)
        if name == "exit":
            return
        try:
            conn.send(("ok", await commands[name](*args)))
        except Exception:
            conn.send(("error", traceback.format_exc()))


def _guarded(conn: Connection, main: Callable[[], Awaitable[None]]) -> None:
    """Run a child's main coroutine; a failure before `ready` is reported to the parent."""
    try:
        asyncio.run(main())
    except Exception:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))


# --- the Bot API emulator ---------------------------------------------------------------------------------------------


class StampedBotApi(FakeBotApi):
    """The loopback emulator, also keeping (chat_id, text, status, monotonic time) of every sendMessage it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: list[tuple[int, str, int, float]] = []

    async def _method(self, request: web.Request) -> web.Response:
        response = await super()._method(request)
        if request.match_info["method"] == "sendMessage":
            call = self.calls[-1]  # appended by the line above with no await after it: this request's call
            self.replies.append((int(call.params.get("chat_id", 0) or 0), str(call.params.get("text", "")), call.status, time.monotonic()))
        return response


def emulator_main(conn: Connection) -> None:
    """Child process: the emulator on a free loopback port, no rate limit; sends its base URL when up."""

    async def main() -> None:
        api = StampedBotApi()
        base = await api.start()

        async def clear() -> None:
            api.clear()
            api.replies.clear()

        async def replies() -> list[tuple[int, str, int, float]]:
            return list(api.replies)

        async def cpu() -> float:
            return time.process_time()

        try:
            await _serve_commands(conn, {"clear": clear, "replies": replies, "cpu": cpu}, base)
        finally:
            await api.stop()

    _guarded(conn, main)


# --- the bot under test -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotSpec:
    """Which bot to serve and where: `skillbot` (the production webhook server) or `echo`, on a framework."""

    bot: str
    framework: str
    api_base: str
    port: int
    database_url: str = ""
    data_dir: str = ""


async def _wait_healthy(port: int, task: asyncio.Task[None]) -> None:
    """Poll GET /healthz until it answers 200 (fails when the server task ended)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(READY_TIMEOUT / 0.05)):
            if task.done():
                task.result()
                raise RuntimeError("the webhook server stopped")
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise RuntimeError("the webhook server did not come up")


async def _skillbot(spec: BotSpec) -> Stop:
    """skillbot's `serve_webhook` with production settings, the Bot API at the emulator; returns its stop function."""
    from bot.app import build_app
    from bot.settings import Settings
    from bot.webhook import serve_webhook
    from handlers.registry import create_transport

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=Path(spec.data_dir), database_url=spec.database_url, data_key=DATA_KEY,
        telegram_bot_token=TOKEN, telegram_api_base=spec.api_base, bot_framework=spec.framework,
        webhook_url=f"https://bench.example.test{PATH}", webhook_secret=SECRET, webhook_host="127.0.0.1",
        webhook_port=spec.port, webhook_path=PATH, bot_username=None,
    )
    app = build_app(settings)
    task = asyncio.create_task(serve_webhook(app, create_transport(app)), name="skillbot-webhook")
    await _wait_healthy(spec.port, task)

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


async def _echo(spec: BotSpec) -> Stop:
    """The framework's echo bot on an aiohttp server; returns its stop function."""
    from bench.webhook_echo import ECHO_BOTS

    web_app, close = await ECHO_BOTS[spec.framework](spec.api_base, TOKEN, SECRET, PATH)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", spec.port).start()

    async def stop() -> None:
        await runner.cleanup()
        await close()

    return stop


PRELOAD = {  # imported before the child reports ready, while the parent seeds the store (aiogram alone takes seconds)
    "aiogram": ("handlers.aiogram.transport", "aiogram.webhook.aiohttp_server"),
    "ptb": ("handlers.ptb.transport", "telegram.ext"),
}


def _preload(frameworks: tuple[str, ...]) -> None:
    """Import the servers and the frameworks' modules up front."""
    for name in ("bot.webhook", "handlers.registry", "bench.webhook_echo"):
        importlib.import_module(name)
    for framework in frameworks:
        for name in PRELOAD[framework]:
            importlib.import_module(name)


def bot_main(conn: Connection, log_file: str, frameworks: tuple[str, ...]) -> None:
    """Child process: serves one bot at a time (`serve`, `stop`); logs as production does (INFO) into `log_file`."""
    from bot.logs import configure_logging

    logging.basicConfig(filename=log_file, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_logging("INFO")
    _preload(frameworks)

    async def main() -> None:
        running: list[Stop] = []

        async def serve(spec: BotSpec) -> None:
            running.append(await (_skillbot if spec.bot == "skillbot" else _echo)(spec))

        async def stop() -> None:
            while running:
                await running.pop()()

        async def cpu() -> float:
            return time.process_time()

        try:
            await _serve_commands(conn, {"serve": serve, "stop": stop, "cpu": cpu}, None)
        finally:
            await stop()

    _guarded(conn, main)
