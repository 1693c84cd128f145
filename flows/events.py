"""Neutral input events that every transport produces from its own update objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union


@dataclass(frozen=True)
class TextInput:
    """A plain text message."""

    text: str


@dataclass(frozen=True)
class ButtonPress:
    """An inline button press (callback data) or a mapped reply-keyboard button."""

    data: str


@dataclass(frozen=True)
class ContactShared:
    """A contact card; `own` is True when the contact belongs to the sender."""

    phone: str
    own: bool


@dataclass(frozen=True)
class FileInput:
    """A photo or document message."""

    kind: Literal["photo", "document"]
    file_id: str
    file_unique_id: str
    size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    sha256: str | None = None  # filled in when the service could download and inspect the file
    white_background: bool | None = None


@dataclass(frozen=True)
class Command:
    """A slash command with its argument string (deep-link payload for /start)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Anything the bot does not take as input (sticker, edited message, location, ...)."""

    kind: str


Event = Union[TextInput, ButtonPress, ContactShared, FileInput, Command, Unsupported]


def event_kind(event: Event) -> str:
    """Short name of an event's input kind, used in hints."""
    if isinstance(event, TextInput):
        return "text"
    if isinstance(event, ButtonPress):
        return "button"
    if isinstance(event, ContactShared):
        return "contact"
    if isinstance(event, FileInput):
        return event.kind
    if isinstance(event, Command):
        return "command"
    return event.kind
