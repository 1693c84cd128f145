"""Role filter for routers: reads the role the middleware put in handler data."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject


class RoleFilter(Filter):
    """Passes when the user's role is one of `roles`."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: str | None = None, **_: Any) -> bool:
        """True for a permitted role."""
        return role in self.roles
