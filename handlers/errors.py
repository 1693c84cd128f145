"""Classify failures: transient store outages are redelivered, everything else gets an apology."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers.base import TemporaryFailure

TRANSIENT = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TemporaryFailure)


def is_transient(exc: BaseException) -> bool:
    """True when the store (or network to it) failed and Telegram should redeliver the update."""
    if isinstance(exc, TRANSIENT):
        return True
    return isinstance(exc, DBAPIError) and bool(getattr(exc, "connection_invalidated", False))
