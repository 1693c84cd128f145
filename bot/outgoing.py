"""Localize neutral replies into transport-neutral outgoing messages (rendered text and markup)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.i18n import I18n
from flows.menu import commands_for
from flows.replies import (
    Answer,
    Document,
    Edit,
    InlineKeyboard,
    Markup,
    MenuUpdate,
    Photo,
    RemoveKeyboard,
    Reply,
    ReplyKeyboard,
    Text,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(frozen=True)
class OutMarkup:
    """Rendered keyboard: kind plus rows of button dicts in Bot API field names."""

    kind: Literal["inline", "reply", "remove"]
    rows: tuple[tuple[dict[str, Any], ...], ...] = ()
    one_time: bool = True


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make: a message, photo, document, callback answer, command menu or an edit of the
    message whose button was pressed (`edit`: its new text and inline keyboard, never split)."""

    kind: Literal["message", "photo", "document", "answer", "commands", "edit"]
    chat_id: int | None = None
    text: str = ""
    markup: OutMarkup | None = None
    file_id: str | None = None
    content: bytes | None = None
    filename: str = ""
    commands: tuple[tuple[str, str], ...] = ()


def _markup(i18n: I18n, locale: str, markup: Markup) -> OutMarkup | None:
    if markup is None:
        return None
    if isinstance(markup, RemoveKeyboard):
        return OutMarkup("remove")
    if isinstance(markup, InlineKeyboard):
        rows = []
        for row in markup.rows:
            out = []
            for b in row:
                item: dict[str, Any] = {"text": i18n.label(locale, b.label)}
                if b.url:
                    item["url"] = b.url
                else:
                    item["callback_data"] = b.data or "noop"
                out.append(item)
            rows.append(tuple(out))
        return OutMarkup("inline", tuple(rows))
    assert isinstance(markup, ReplyKeyboard)
    rows2 = []
    for row in markup.rows:
        out2 = []
        for b in row:
            item2: dict[str, Any] = {"text": i18n.label(locale, b.label)}
            if b.request_contact:
                item2["request_contact"] = True
            out2.append(item2)
        rows2.append(tuple(out2))
    return OutMarkup("reply", tuple(rows2), markup.one_time)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split long text at line breaks into chunks of at most `limit` characters."""
    if len(text) <= limit:
        return [text]
    chunks, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [text[:limit]]


def localize(i18n: I18n, locale: str, chat_id: int, replies: list[Reply]) -> list[Outgoing]:
    """Render replies in a locale for one chat; long texts are split, the markup goes on the last part."""
    out: list[Outgoing] = []
    for reply in replies:
        if isinstance(reply, Answer):
            out.append(Outgoing("answer", text=i18n.label(locale, reply.label) if reply.label else ""))
            continue
        target = getattr(reply, "chat_id", None) or chat_id
        if isinstance(reply, MenuUpdate):
            commands = tuple((name, i18n.render(locale, f"cmd.{name}")) for name in commands_for(reply.role))
            out.append(Outgoing("commands", target, commands=commands))
        elif isinstance(reply, Text):
            body = i18n.render(locale, reply.key, reply.params)
            if not body.strip():
                continue  # Telegram rejects empty messages; a template that renders nothing sends nothing
            parts = split_text(body)
            markup = _markup(i18n, locale, reply.markup)
            for i, part in enumerate(parts):
                out.append(Outgoing("message", target, part, markup if i == len(parts) - 1 else None))
        elif isinstance(reply, Edit):
            body = i18n.render(locale, reply.key, reply.params)
            if body.strip():
                out.append(Outgoing("edit", target, body[:TEXT_LIMIT], _markup(i18n, locale, reply.markup)))
        elif isinstance(reply, (Photo, Document)):
            caption = i18n.label(locale, reply.caption) if reply.caption else ""
            kind: Literal["photo", "document"] = "photo" if isinstance(reply, Photo) else "document"
            out.append(
                Outgoing(
                    kind,
                    target,
                    caption[:CAPTION_LIMIT],
                    _markup(i18n, locale, reply.markup),
                    file_id=reply.file_id,
                    content=reply.content,
                    filename=reply.filename,
                )
            )
    return out


def reply_map(replies: list[Reply], previous: dict[str, str]) -> dict[str, str]:
    """Label keys of the reply keyboard now shown mapped to their button data (cleared on removal)."""
    mapping = previous
    for reply in replies:
        markup = getattr(reply, "markup", None)
        if isinstance(markup, ReplyKeyboard):
            mapping = {b.label.key: b.data for row in markup.rows for b in row if b.data}
        elif isinstance(markup, RemoveKeyboard):
            mapping = {}
    return mapping
