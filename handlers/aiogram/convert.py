"""Translate aiogram objects into neutral flow events."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from handlers.commands import parse_command


def message_event(message: Message) -> Event:
    """The flow event a message carries."""
    if message.text is not None:
        parsed = parse_command(message.text)
        return parsed if parsed is not None else TextInput(message.text)
    if message.contact is not None:
        own = message.contact.user_id is not None and message.from_user is not None and message.contact.user_id == message.from_user.id
        return ContactShared(phone=message.contact.phone_number, own=own)
    if message.photo:
        best = message.photo[-1]
        return FileInput("photo", best.file_id, best.file_unique_id, best.file_size, "image/jpeg", None, best.width, best.height)
    if message.document is not None:
        doc = message.document
        return FileInput("document", doc.file_id, doc.file_unique_id, doc.file_size, doc.mime_type, doc.file_name)
    return Unsupported(kind=str(message.content_type))


def callback_event(query: CallbackQuery) -> Event:
    """The flow event of an inline button press."""
    return ButtonPress(query.data or "")


def command_event(message: Message) -> Command:
    """The Command of a message already routed as a command."""
    parsed = parse_command(message.text or "")
    return parsed if parsed is not None else Command("")
