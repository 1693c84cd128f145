"""The real bot as a subprocess in webhook mode on loopback, and a Bot API emulator that can withhold answers.

    api = GatedBotApi(); await api.start()
    bot = BotProcess(tmp_path, database_url, api.base_url); await bot.start()
    status = await bot.post(update)               # the HTTP status the webhook answered
    hold = api.hold("getFile", chat_id=USER)      # the next such call is recorded but not answered …
    await hold.reached.wait(); bot.kill()         # … so the bot can be SIGKILLed while the update is in flight
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.settings import Settings
from tests.conftest import ADMIN_ID, TEST_DATA_KEY, TEST_TOKEN
from tests.support.fake_bot_api import BOT_USERNAME, ApiCall, FakeBotApi, _chat_id
from tests.support.webhook import SECRET, free_port, headers

READY_TIMEOUT = 45.0  # a cold interpreter start on a loaded 2-core machine
REQUEST_TIMEOUT = 30.0
HOLD_TIMEOUT = 60.0
ENTRY = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass
class Hold:
    """One withheld call: the method, an optional chat; `reached` is set when it arrives, `release` lets it answer."""

    method: str
    chat_id: int | None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, call: ApiCall) -> bool:
        """True for a call of the method (to the chat)."""
        return call.method == self.method and self.chat_id in (None, _chat_id(call.params))


class GatedBotApi(FakeBotApi):
    """FakeBotApi whose next call of a method can be recorded and left unanswered until released (or stop)."""

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[Hold] = []
        self.stopping = asyncio.Event()

    def hold(self, method: str, chat_id: int | None = None) -> Hold:
        """Withhold the answer to the next `method` call (to `chat_id`)."""
        hold = Hold(method, chat_id)
        self.holds.append(hold)
        return hold

    async def _method(self, request: web.Request) -> web.Response:
        response = await super()._method(request)
        call = self.calls[-1] if self.calls else None  # appended by this request: no await since
        hold = next((h for h in self.holds if call is not None and h.matches(call)), None)
        if hold is not None:
            self.holds.remove(hold)
            hold.reached.set()
            waits = [asyncio.ensure_future(hold.release.wait()), asyncio.ensure_future(self.stopping.wait())]
            await asyncio.wait(waits, timeout=HOLD_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
        return response

    async def stop(self) -> None:
        """Let withheld calls finish, then stop the server."""
        self.stopping.set()
        await super().stop()


def bot_env(database_url: str, api_base: str, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """The process environment of a webhook-mode bot: ours only, none of the developer's settings."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE=api_base,
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        DATA_KEY=TEST_DATA_KEY,
        ADMIN_IDS=str(ADMIN_ID),
        BOT_USERNAME=BOT_USERNAME,
        WEBHOOK_URL="https://bot.example.test/webhook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_PATH="/webhook",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class PortTaken(Exception):
    """The webhook port was taken between choosing it and binding it."""


class BotProcess:
    """`skillbot webhook` in a subprocess (cwd `workdir`, so no .env is read); start, post updates, SIGKILL."""

    def __init__(self, workdir: Path, database_url: str, api_base: str, **extra_env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.env = bot_env(database_url, api_base, self.port, workdir / "data", **extra_env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "bot.log"
        self.starts = 0

    @property
    def url(self) -> str:
        """The webhook URL on loopback."""
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Start the process and wait until GET /healthz answers 200 (on a new port if another process took this one)."""
        for _ in range(3):
            self.spawn()
            try:
                await self.wait_ready(timeout)
                return
            except PortTaken:
                self.port = free_port()
                self.env["WEBHOOK_PORT"] = str(self.port)
        raise AssertionError(f"no free port for the bot:\n{self.log_tail()}")

    def spawn(self) -> None:
        """Start `skillbot webhook` with its output appended to the log."""
        assert self.proc is None or self.proc.poll() is not None, "the bot is already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start {self.starts} on port {self.port} =====\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, "-c", ENTRY, "webhook"], cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    async def wait_ready(self, timeout: float) -> None:
        """Poll /healthz until it answers 200; fail with the log when the process exits or time runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while loop.time() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    if "Errno 98" in self.log_tail(5) or "address already in use" in self.log_tail(5).lower():
                        raise PortTaken(self.port)
                    raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not become ready within {timeout:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the process (no cleanup of any kind) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the bot's output (for failure messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def post(self, update: dict[str, Any], timeout: float = REQUEST_TIMEOUT) -> int:
        """POST one Update to the webhook with the secret; the HTTP status."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.post(self.url, json=update, headers=headers()) as response:
                await response.read()
                return response.status
