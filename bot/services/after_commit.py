"""The hook services use to act once the update's transaction has committed (scheduler calls, for instance)."""

from __future__ import annotations

from typing import Awaitable, Callable

Action = Callable[[], Awaitable[None]]
AfterCommit = Callable[[Action], None]
