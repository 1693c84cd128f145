"""Role filter for handlers: reads the role the transport put in the update's scope."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler
from telegram.ext.filters import UpdateFilter

from handlers.ptb.context import InFlight, TurnContext


class RoleFilter(UpdateFilter):
    """Passes when the user's role is one of `roles`."""

    __slots__ = ("in_flight", "roles")

    def __init__(self, in_flight: InFlight, *roles: str) -> None:
        super().__init__(name=f"RoleFilter{roles}")
        self.in_flight = in_flight
        self.roles = frozenset(roles)

    def filter(self, update: Update) -> bool:
        """True for a permitted role."""
        scope = self.in_flight.of(update)
        return scope is not None and scope.role in self.roles


class RoleGatedCallbackQueryHandler(CallbackQueryHandler[TurnContext, None]):
    """A CallbackQueryHandler that also requires a role (PTB's callback handlers take no filters)."""

    def __init__(self, role_filter: RoleFilter, callback: Any, pattern: str) -> None:
        super().__init__(callback, pattern=pattern)
        self.role_filter = role_filter

    def check_update(self, update: object) -> Any:
        """The pattern match, only for a permitted role."""
        matched = super().check_update(update)
        if not matched or not isinstance(update, Update) or not self.role_filter.filter(update):
            return None
        return matched
