"""What the run modes and the webhook server need from a Telegram transport, whatever the framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.outgoing import Outgoing

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


@dataclass(frozen=True)
class MenuCommand:
    """One entry of a command menu (setMyCommands)."""

    command: str
    description: str


@dataclass(frozen=True)
class MenuScope:
    """A command menu for a scope: `default` or one private chat, optionally for a language."""

    commands: tuple[MenuCommand, ...]
    chat_id: int | None = None
    language_code: str | None = None


class TemporaryFailure(Exception):
    """Processing could not finish for a transient reason (e.g. the database is down); redeliver."""


class DeliveryFailed(Exception):
    """A message was not delivered: flood control (`retry_after` seconds), a permanent refusal, or a transient error.

    `reason` is Telegram's error description or an exception type name, never the message text.
    """

    def __init__(self, retry_after: float | None, permanent: bool, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent
        self.reason = reason


class Transport(Protocol):
    """A Telegram framework adapter: feeds updates through its dispatcher and makes setup calls."""

    name: str

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update (raw Update JSON) to completion; raises TemporaryFailure to ask for redelivery."""

    async def deliver(self, out: Outgoing) -> None:
        """Send one rendered message outside an update (the outbox); raises DeliveryFailed when it did not go out."""

    async def set_webhook(self, url: str, secret: str | None, allowed_updates: list[str]) -> None:
        """Register the webhook with Telegram."""

    async def delete_webhook(self) -> None:
        """Remove the webhook (before polling)."""

    async def set_menus(self, scopes: list[MenuScope]) -> None:
        """Publish command menus per scope."""

    async def bot_username(self) -> str | None:
        """The bot's @username from getMe (for deep links)."""

    async def run_polling(self) -> None:
        """Long-poll getUpdates until cancelled."""

    async def close(self) -> None:
        """Close HTTP sessions."""
