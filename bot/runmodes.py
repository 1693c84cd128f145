"""Run modes: console demo, long polling, webhook server; `run_auto` picks one from the settings.

The caller owns the App and closes it afterwards (closing twice is harmless).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import TextIO

from bot.app import App
from bot.delivery import background_services
from bot.demo import has_institution, load_demo
from bot.menus import build_menus
from bot.scheduler.service import start_scheduler
from bot.services.retention import purge_forever
from bot.services.staff_admin import set_role
from bot.webhook import serve_webhook, webhook_config
from handlers.console import Console
from handlers.registry import create_transport
from storage.migrate import current, head, upgrade

log = logging.getLogger(__name__)

QUIET_IN_CONSOLE = ("alembic", "apscheduler")


class RunModeError(RuntimeError):
    """A run mode cannot start; the message is one line for the operator and holds no secret."""


async def upgrade_database(app: App, revision: str = "head") -> None:
    """Apply the Alembic migrations."""
    await asyncio.to_thread(upgrade, app.settings.resolved_database_url, revision)


async def schema_revision(app: App) -> tuple[str | None, str | None]:
    """(revision the database is at, newest shipped revision)."""
    return await asyncio.to_thread(current, app.settings.resolved_database_url), head()


async def ensure_schema_current(app: App) -> None:
    """Refuse to serve on a database that is not migrated to the newest revision."""
    at, newest = await schema_revision(app)
    if at != newest:
        raise RunModeError(f"database schema is at {at or 'nothing'}, expected {newest}: run `skillbot db upgrade`")


def require_token(app: App, mode: str) -> None:
    """Refuse a Telegram run mode without TELEGRAM_BOT_TOKEN."""
    if not app.settings.has_token:
        raise RunModeError(f"TELEGRAM_BOT_TOKEN is required for {mode} mode")


async def run_console(
    app: App,
    *,
    user_id: int = 1,
    role: str | None = None,
    demo: bool = True,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Chat in the terminal; in demo mode the database is migrated and seeded with demo data when empty."""
    if logging.getLogger().level > logging.DEBUG:  # migration chatter would interleave with the chat
        for name in QUIET_IN_CONSOLE:
            logging.getLogger(name).setLevel(logging.WARNING)
    if demo:
        await upgrade_database(app)
        if not await has_institution(app):
            summary = await load_demo(app)
            log.info("demo data loaded: %d certificates", summary.certificates)
    else:
        await ensure_schema_current(app)
    if role is not None:
        await set_role(app, user_id, role, action="console_set_role")
    # Reminders are planned and fire in the console too; due ones are shown after the next input line.
    scheduler = await start_scheduler(app, leader=True) if app.settings.scheduler_enabled else None
    try:
        await Console(app, stdin or sys.stdin, stdout or sys.stdout, user_id=user_id).run()
    finally:
        if scheduler is not None:
            await scheduler.shutdown()


async def run_polling(app: App) -> None:
    """Long polling with command menus published, processed update ids purged hourly, the scheduler and outbox running.

    On shutdown the outbox delivery and the scheduler stop before the transport is closed.
    """
    require_token(app, "polling")
    transport = create_transport(app)
    stop = asyncio.Event()
    purge: asyncio.Task[None] | None = None
    try:
        if not app.settings.bot_username:
            app.settings.bot_username = await transport.bot_username()
        try:
            await transport.set_menus(await build_menus(app))
        except Exception as exc:  # menus are a convenience; polling works without them
            log.warning("could not publish command menus: %s", type(exc).__name__)
        purge = asyncio.create_task(purge_forever(app, stop), name="purge-update-ids")
        async with background_services(app, transport.deliver):
            log.info("polling with %s as @%s", transport.name, app.settings.bot_username)
            await transport.run_polling()
    finally:
        if purge is not None:
            stop.set()
            await purge
        await transport.close()


async def run_webhook(app: App) -> None:
    """The aiohttp webhook server until SIGTERM/SIGINT (it closes the transport and the app when it stops)."""
    require_token(app, "webhook")
    webhook_config(app)  # fail fast on a missing or invalid WEBHOOK_URL / WEBHOOK_SECRET
    transport = create_transport(app)
    try:
        await serve_webhook(app, transport)
    except BaseException:
        with contextlib.suppress(Exception):  # serve_webhook may have closed it already
            await transport.close()
        raise


async def run_auto(app: App) -> None:
    """Migrate, then: no token → console demo; token and WEBHOOK_URL → webhook; token only → polling."""
    if not app.settings.has_token:
        await run_console(app, demo=True)
        return
    await upgrade_database(app)
    if app.settings.webhook_url:
        await run_webhook(app)
    else:
        await run_polling(app)
