"""A ticket view through the locale's `ticket` template into layout items, shared by the PNG and PDF renderers."""

from __future__ import annotations

from typing import Any

from bot.i18n import I18n
from bot.rendering.layout import Item, parse
from bot.rendering.ticket_view import TicketView

TEMPLATE = "ticket"


def _clean(value: str) -> str:
    """One line, and no `|` that the layout language would read as a cell separator."""
    return " ".join(value.replace("|", "｜").split())


def ticket_params(view: TicketView) -> dict[str, Any]:
    """Template parameters: every text field of the view, cleaned for the line-based layout language."""
    sessions = [
        {
            "subject": _clean(s.subject),
            "date": _clean(s.date),
            "time": _clean(s.time),
            "site": _clean(s.site),
            "room": _clean(s.room),
            "seat": _clean(s.seat),
        }
        for s in view.sessions
    ]
    names = ("number", "name", "gender", "id_type", "id_number", "occupation", "level", "batch", "institution", "issued")
    params: dict[str, Any] = {name: _clean(getattr(view, name)) for name in names}
    params["sessions"] = sessions
    return params


def ticket_items(i18n: I18n, view: TicketView) -> tuple[Item, ...]:
    """The layout items of a ticket in the view's locale."""
    return parse(i18n.render(view.locale, TEMPLATE, ticket_params(view)))
