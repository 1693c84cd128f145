"""Neutral reply objects; transports localize and render them as Bot API calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Label:
    """A localized label: catalogue key plus parameters, or literal text when `raw` is set."""

    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None


@dataclass(frozen=True)
class InlineButton:
    """Inline button with callback data (≤ 64 bytes) or a URL."""

    label: Label
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ReplyButton:
    """Reply-keyboard button; `data` is what a press of it means to the flow."""

    label: Label
    data: str | None = None
    request_contact: bool = False


@dataclass(frozen=True)
class InlineKeyboard:
    """Rows of inline buttons attached to a message."""

    rows: tuple[tuple[InlineButton, ...], ...]


@dataclass(frozen=True)
class ReplyKeyboard:
    """Rows of reply-keyboard buttons shown instead of the system keyboard."""

    rows: tuple[tuple[ReplyButton, ...], ...]
    one_time: bool = True


@dataclass(frozen=True)
class RemoveKeyboard:
    """Remove a reply keyboard shown earlier."""


Markup = Union[InlineKeyboard, ReplyKeyboard, RemoveKeyboard, None]


@dataclass(frozen=True)
class Text:
    """A text message: a catalogue key or template name with parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    markup: Markup = None
    chat_id: int | None = None


@dataclass(frozen=True)
class Photo:
    """A photo: an existing Telegram file_id or raw bytes, with an optional caption key."""

    file_id: str | None = None
    content: bytes | None = None
    filename: str = "image.png"
    caption: Label | None = None
    markup: Markup = None
    chat_id: int | None = None


@dataclass(frozen=True)
class Document:
    """A document: an existing Telegram file_id or raw bytes, with an optional caption key."""

    file_id: str | None = None
    content: bytes | None = None
    filename: str = "document.pdf"
    caption: Label | None = None
    markup: Markup = None
    chat_id: int | None = None


@dataclass(frozen=True)
class Answer:
    """Acknowledgement of a callback query (stops the button spinner), optional toast."""

    label: Label | None = None


@dataclass(frozen=True)
class MenuUpdate:
    """Show the commands of `role` in this chat's command menu (after a role change)."""

    role: str
    chat_id: int | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the text and inline keyboard of the message whose button was pressed (sent anew when there is none)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    markup: InlineKeyboard | None = None


Reply = Union[Text, Photo, Document, Answer, MenuUpdate, Edit]


def text(key: str, markup: Markup = None, **params: Any) -> Text:
    """Shorthand for a Text reply."""
    return Text(key=key, params=params, markup=markup)


def inline(*rows: list[InlineButton] | tuple[InlineButton, ...]) -> InlineKeyboard:
    """Build an inline keyboard from rows."""
    return InlineKeyboard(rows=tuple(tuple(r) for r in rows if r))


def button(key: str, data: str, **params: Any) -> InlineButton:
    """Inline button with a localized label and callback data."""
    return InlineButton(label=Label(key=key, params=params), data=data)
