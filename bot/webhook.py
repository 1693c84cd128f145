"""Production webhook server: Telegram POSTs updates, probes GET /healthz, old update ids are purged hourly."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.delivery import background_services
from bot.logs import failure_site
from bot.menus import build_menus
from handlers.base import ALLOWED_UPDATES, TemporaryFailure, Transport
from bot.services.retention import PURGE_INTERVAL, purge_forever

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token
MAX_BODY_BYTES = 1024 * 1024
HEALTH_TIMEOUT = 2.0
SHUTDOWN_TIMEOUT = 30.0
PURGE_STOP_TIMEOUT = 5.0


class WebhookConfigError(RuntimeError):
    """Webhook mode is misconfigured (missing or invalid WEBHOOK_URL / WEBHOOK_SECRET)."""


def parse_update(raw: bytes) -> dict[str, Any] | None:
    """The Update object of a request body, or None unless it is a JSON object with an integer update_id."""
    try:
        update = json.loads(raw)
    except ValueError:  # also covers invalid UTF-8
        return None
    if not isinstance(update, dict):
        return None
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    return update


class WebhookHandlers:
    """Request handlers and the purge task of one webhook application."""

    def __init__(
        self, app: App, transport: Transport, secret: str | None, *, max_body: int, health_timeout: float, purge_interval: float
    ) -> None:
        self.app = app
        self.transport = transport
        self.secret = secret.encode() if secret else None
        self.max_body = max_body
        self.health_timeout = health_timeout
        self.purge_interval = purge_interval

    def _authorized(self, request: web.Request) -> int | None:
        """None when the secret header is acceptable, else the HTTP status to answer with."""
        if self.secret is None:
            return None
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return 401
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.secret):
            return 403
        return None

    async def receive(self, request: web.Request) -> web.Response:
        """Check the secret, parse the Update, process it to completion, then answer."""
        refused = self._authorized(request)
        if refused is not None:
            log.warning("webhook request refused (%s): bad secret token", refused)
            return web.Response(status=refused)
        if request.content_length is not None and request.content_length > self.max_body:
            return web.Response(status=413)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        update = parse_update(raw)
        if update is None:
            return web.Response(status=400)
        update_id = update["update_id"]
        try:
            await self.transport.feed(update)
        except TemporaryFailure:
            log.warning("update %s: temporary failure, Telegram will redeliver", update_id)
            return web.Response(status=503)
        except Exception as exc:  # never log the body or the message: both may carry personal data
            log.error("update %s failed: %s at %s", update_id, type(exc).__name__, failure_site(exc))
            return web.Response(status=500)
        return web.Response(status=200)

    async def health(self, _request: web.Request) -> web.Response:
        """`SELECT 1` within the timeout: 200 when the database answers, 503 otherwise."""
        try:
            async with asyncio.timeout(self.health_timeout):
                async with self.app.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return web.json_response({"status": "degraded", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})

    async def purge_context(self, _web_app: web.Application) -> AsyncIterator[None]:
        """Run the purge task while the application is up; a purge in progress may finish (aiohttp cleanup context)."""
        stop = asyncio.Event()
        task = asyncio.create_task(purge_forever(self.app, stop, self.purge_interval), name="purge-update-ids")
        yield
        stop.set()
        try:
            await asyncio.wait_for(task, PURGE_STOP_TIMEOUT)
        except TimeoutError:  # wait_for has cancelled the stuck purge
            log.warning("purge of processed update ids did not stop in time, cancelled")


def create_webhook_app(
    app: App,
    transport: Transport,
    *,
    max_body: int = MAX_BODY_BYTES,
    health_timeout: float = HEALTH_TIMEOUT,
    purge_interval: float = PURGE_INTERVAL,
) -> web.Application:
    """aiohttp application with POST {webhook_path}, GET /healthz and the update-id purge task."""
    secret = app.settings.webhook_secret.get_secret_value() if app.settings.webhook_secret else None
    handlers = WebhookHandlers(
        app, transport, secret, max_body=max_body, health_timeout=health_timeout, purge_interval=purge_interval
    )
    web_app = web.Application(client_max_size=max_body)
    web_app.router.add_post(app.settings.webhook_path, handlers.receive)
    web_app.router.add_get("/healthz", handlers.health)
    web_app.cleanup_ctx.append(handlers.purge_context)
    return web_app


def webhook_config(app: App) -> tuple[str, str]:
    """WEBHOOK_URL and WEBHOOK_SECRET, validated; raises WebhookConfigError when unusable in production."""
    url, secret = app.settings.webhook_url, app.settings.webhook_secret
    if not url or not url.startswith("https://"):
        raise WebhookConfigError("WEBHOOK_URL must be set to the public https:// address Telegram posts to")
    if secret is None:
        raise WebhookConfigError("WEBHOOK_SECRET must be set in webhook mode (1-256 characters A-Z a-z 0-9 _ -)")
    value = secret.get_secret_value()
    if not SECRET_PATTERN.fullmatch(value):
        raise WebhookConfigError("WEBHOOK_SECRET may only contain A-Z a-z 0-9 _ - and be 1-256 characters long")
    return url, value


def _install_stop_signals(stop: asyncio.Event) -> list[signal.Signals]:
    """Set `stop` on SIGTERM/SIGINT where the loop supports it; returns the signals handled."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows or not the main thread
            continue
        installed.append(sig)
    return installed


async def _publish_menus(app: App, transport: Transport) -> None:
    """setMyCommands for every scope; a failure is logged, the server runs on with the previous menus."""
    try:
        await transport.set_menus(await build_menus(app))
    except Exception as exc:
        log.warning("could not publish command menus: %s", type(exc).__name__)


async def serve_webhook(app: App, transport: Transport) -> None:
    """Serve the webhook until SIGTERM/SIGINT (or cancellation), then shut down cleanly; keeps the webhook set.

    The scheduler and the outbox delivery run alongside; they stop after the last in-flight update has finished and
    before the transport and the app are closed.
    """
    settings = app.settings
    url, secret = webhook_config(app)
    if not settings.bot_username:
        settings.bot_username = await transport.bot_username()
    try:
        async with background_services(app, lambda out: transport.deliver(out)):  # looked up only when something is due
            runner = web.AppRunner(create_webhook_app(app, transport), shutdown_timeout=SHUTDOWN_TIMEOUT)
            await runner.setup()
            stop = asyncio.Event()
            handled = _install_stop_signals(stop)
            try:
                site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
                await site.start()
                log.info("webhook server listening on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
                await transport.set_webhook(url, secret, list(ALLOWED_UPDATES))
                await _publish_menus(app, transport)
                await stop.wait()
                log.info("signal received, stopping the webhook server")
            finally:
                loop = asyncio.get_running_loop()
                for sig in handled:
                    loop.remove_signal_handler(sig)
                await runner.cleanup()  # stops accepting, lets in-flight updates finish, cancels the purge task
    finally:
        await transport.close()
        await app.close()
