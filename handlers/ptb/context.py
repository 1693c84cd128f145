"""Per-update data PTB handlers and filters need: the open Turn, the user's role and a handler failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.services.turn import Turn

if TYPE_CHECKING:
    from telegram.ext import Application


@dataclass
class Scope:
    """One update in flight: its unit of work, the user's role and the error a handler raised."""

    turn: Turn
    role: str
    error: Exception | None = None


class InFlight:
    """The Application's bot_data: scopes of the updates being processed, by update_id."""

    def __init__(self) -> None:
        self._scopes: dict[int, Scope] = {}

    @contextmanager
    def open(self, update_id: int, turn: Turn, role: str) -> Iterator[Scope]:
        """Expose the scope to filters, handlers and the error handler while the update is processed."""
        scope = Scope(turn, role)
        self._scopes[update_id] = scope
        try:
            yield scope
        finally:
            self._scopes.pop(update_id, None)

    def of(self, update: object) -> Scope | None:
        """The scope of an update being processed, if any."""
        return self._scopes.get(update.update_id) if isinstance(update, Update) else None


class TurnContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], InFlight]):
    """CallbackContext that also carries the update's scope (set by `from_update`)."""

    scope: Scope | None = None

    @classmethod
    def from_update(cls, update: object, application: Application[Any, TurnContext, Any, Any, InFlight, Any]) -> TurnContext:
        """Context for a handler call, with the scope the transport opened for this update."""
        context = super().from_update(update, application)
        context.scope = application.bot_data.of(update)
        return context

    @property
    def turn(self) -> Turn:
        """The update's unit of work (handlers only run inside an open scope)."""
        if self.scope is None:
            raise RuntimeError("handler called outside an update scope")
        return self.scope.turn
