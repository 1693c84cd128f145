"""Role filter for handlers: reads the role the transport put in the update's scope."""

from __future__ import annotations

from telegram import Update
from telegram.ext.filters import UpdateFilter

from handlers.ptb.context import InFlight


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
