"""A loopback Bot API emulator: records every call, answers plausibly, serves getUpdates and files.

Failures on demand: `fail_next[method] = (status, body)` fails the next call of a method once (see `retry_after_error`,
`forbidden_error`); `block(chat_id)` makes a user who blocked the bot (403 on every send to that chat);
`limit_rate(...)` answers sends beyond Telegram's rates with 429 and a retry_after, like flood control.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 777000111
BOT_USERNAME = "skillbot_test_bot"
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


def retry_after_error(seconds: int) -> tuple[int, dict[str, Any]]:
    """Status and body of Telegram's flood-control answer (for `fail_next` or the rate limit)."""
    return 429, {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {seconds}",
        "parameters": {"retry_after": seconds},
    }


def forbidden_error(description: str = "Forbidden: bot was blocked by the user") -> tuple[int, dict[str, Any]]:
    """Status and body of Telegram's answer for a user who blocked the bot."""
    return 403, {"ok": False, "error_code": 403, "description": description}


@dataclass
class RateLimit:
    """Flood control of the emulator: at most `per_second` sends in any sliding second, one per chat per `chat_interval`."""

    per_second: float
    chat_interval: float = 1.0
    retry_after: int | None = None  # fixed answer; None: the seconds until a send would be accepted, rounded up
    clock: Callable[[], float] = time.monotonic
    recent: deque[float] = field(default_factory=deque)
    last: dict[int, float] = field(default_factory=dict)

    def check(self, chat_id: int) -> int | None:
        """None and the send is counted when it is within the limits, else the retry_after to answer with."""
        now = self.clock()
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        ready = now
        if len(self.recent) >= self.per_second:
            ready = max(ready, self.recent[0] + 1.0)
        previous = self.last.get(chat_id)
        if previous is not None:
            ready = max(ready, previous + self.chat_interval)
        if ready > now:
            return self.retry_after or max(1, math.ceil(ready - now))
        self.recent.append(now)
        self.last[chat_id] = now
        return None


@dataclass
class ApiCall:
    """One recorded request: method name, decoded parameters and uploaded file names."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    token: str = ""
    status: int = 200


def _decode(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeBotApi:
    """Serve `/bot{token}/{method}` and `/file/bot{token}/{path}` on 127.0.0.1 for tests and benches."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.files: dict[str, bytes] = {}
        self._ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.fail_next: dict[str, tuple[int, dict[str, Any]]] = {}
        self.blocked: set[int] = set()
        self.rate_limit: RateLimit | None = None

    async def start(self) -> str:
        """Start listening on a free loopback port; returns the API base URL."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    def sent_texts(self) -> list[str]:
        """Texts of all sendMessage calls so far."""
        return [str(c.params.get("text", "")) for c in self.calls_of("sendMessage")]

    def delivered(self, chat_id: int | None = None) -> list[ApiCall]:
        """sendMessage calls that were answered with success, optionally to one chat."""
        return [
            c for c in self.calls_of("sendMessage")
            if c.status == 200 and (chat_id is None or _chat_id(c.params) == chat_id)
        ]

    def block(self, chat_id: int) -> None:
        """The user of `chat_id` blocked the bot: every send to that chat is refused with 403 Forbidden."""
        self.blocked.add(chat_id)

    def limit_rate(
        self,
        per_second: float = 30.0,
        chat_interval: float = 1.0,
        retry_after: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RateLimit:
        """Answer sends beyond `per_second` per sliding second, or a second send to a chat within `chat_interval`, with 429."""
        self.rate_limit = RateLimit(per_second, chat_interval, retry_after, clock)
        return self.rate_limit

    def clear(self) -> None:
        """Forget recorded calls."""
        self.calls.clear()

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.filename:  # type: ignore[union-attr]
                    files[part.name or ""] = await part.read()  # type: ignore[union-attr]
                else:
                    params[part.name or ""] = _decode(await part.text())  # type: ignore[union-attr]
        elif request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            params.update({k: _decode(str(v)) for k, v in form.items()})
        for key, value in list(params.items()):
            if isinstance(value, str):
                params[key] = _decode(value)
        return params, files

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = ApiCall(method, params, files, request.match_info["token"])
        if method != "getUpdates":
            self.calls.append(call)
        refusal = self._refusal(method, params)
        if refusal is not None:
            call.status, body = refusal
            return web.json_response(body, status=call.status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _refusal(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The error to answer with: a blocked chat, then `fail_next`, then the rate limit; None to succeed."""
        chat_id = _chat_id(params)
        if method in SEND_METHODS and chat_id in self.blocked:
            return forbidden_error()
        if method in self.fail_next:
            return self.fail_next.pop(method)
        if method in SEND_METHODS and self.rate_limit is not None:
            seconds = self.rate_limit.check(chat_id or 0)
            if seconds is not None:
                return retry_after_error(seconds)
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = min(float(params.get("timeout", 0) or 0), 1.0)
        batch: list[dict[str, Any]] = []
        try:
            batch.append(await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.05)))
        except asyncio.TimeoutError:
            return []
        while not self.updates.empty():
            batch.append(self.updates.get_nowait())
        return batch

    def _message(self, params: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0) or 0)
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "skillbot", "username": BOT_USERNAME},
        }
        message.update(extra)
        if "reply_markup" in params and isinstance(params["reply_markup"], dict) and "inline_keyboard" in params["reply_markup"]:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "skillbot", "username": BOT_USERNAME,
                    "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method == "sendMessage":
            return self._message(params, {"text": params.get("text", "")})
        if method == "sendPhoto":
            return self._message(params, {"photo": [{"file_id": f"ph{next(self._ids)}", "file_unique_id": "u", "width": 90, "height": 90}]})
        if method == "sendDocument":
            return self._message(params, {"document": {"file_id": f"dc{next(self._ids)}", "file_unique_id": "u"}})
        if method == "getFile":
            file_id = str(params.get("file_id"))
            return {"file_id": file_id, "file_unique_id": file_id[::-1], "file_size": len(self.files.get(file_id, b"")), "file_path": f"files/{file_id}"}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._message(params, {"text": params.get("text", "")})
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getMyCommands":
            return []
        return True

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.split("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])


def _chat_id(params: dict[str, Any]) -> int | None:
    """The integer chat_id of a call, if it has one."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
