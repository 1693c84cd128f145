"""Ticket files for sending: the renderer built once per App, photos downloaded when possible, rendering off the loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field, replace

from bot.app import App
from bot.rendering.ticket_png import TicketRenderer
from bot.rendering.ticket_view import TicketView
from bot.services.uploads import Fetch
from flows.ticket import RenderedTicket

log = logging.getLogger(__name__)


@dataclass
class TicketFiles:
    """The App's ticket renderer and the lock that keeps its plain-dict caches to one rendering thread."""

    renderer: TicketRenderer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def render(self, view: TicketView) -> tuple[bytes, bytes]:
        """PNG and PDF of one ticket (called in a worker thread)."""
        with self.lock:
            return self.renderer.png(view), self.renderer.pdf(view)


def files(app: App) -> TicketFiles:
    """The App's ticket files maker (fonts loaded on first use; FontMissing explains how to install one)."""
    if app.tickets is None:
        app.tickets = TicketFiles(TicketRenderer.from_settings(app.i18n, app.settings))
    return app.tickets


async def _photo(fetch: Fetch | None, file_id: str | None) -> bytes | None:
    if fetch is None or not file_id:
        return None
    try:
        return await fetch(file_id)
    except Exception as exc:  # the ticket is still valid without the picture
        log.warning("could not download a ticket photo: %s", type(exc).__name__)
        return None


async def render(app: App, views: list[tuple[TicketView, str | None]], fetch: Fetch | None) -> list[RenderedTicket]:
    """PNG and PDF of each ticket, with the candidate's photo when it can be downloaded."""
    maker = files(app)
    out = []
    for view, file_id in views:
        full = replace(view, photo=await _photo(fetch, file_id))
        png, pdf = await asyncio.to_thread(maker.render, full)
        out.append(RenderedTicket(view.number, png, pdf))
    return out
