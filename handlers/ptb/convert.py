"""Translate PTB objects into neutral flow events (same semantics as the aiogram transport)."""

from __future__ import annotations

from telegram import CallbackQuery, Message

from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from handlers.commands import parse_command

# Message content fields in the order aiogram's Message.content_type checks them (text, contact, photo and
# document are converted before this is consulted).
CONTENT_FIELDS = (
    "audio", "animation", "document", "game", "photo", "sticker", "video", "video_note", "voice", "checklist",
    "contact", "venue", "location", "new_chat_members", "left_chat_member", "invoice", "successful_payment",
    "users_shared", "connected_website", "pinned_message", "new_chat_title", "new_chat_photo", "paid_media",
    "passport_data", "poll", "dice", "giveaway", "web_app_data", "chat_shared", "story",
)


def content_kind(message: Message) -> str:
    """Bot API name of the message's content (`unknown` when none is recognised)."""
    for name in CONTENT_FIELDS:
        if getattr(message, name, None):
            return name
    return "unknown"


def message_event(message: Message) -> Event:
    """The flow event a message carries."""
    if message.text is not None:
        parsed = parse_command(message.text)
        return parsed if parsed is not None else TextInput(message.text)
    if message.contact is not None:
        sender = message.from_user
        own = message.contact.user_id is not None and sender is not None and message.contact.user_id == sender.id
        return ContactShared(phone=message.contact.phone_number, own=own)
    if message.photo:
        best = message.photo[-1]
        return FileInput("photo", best.file_id, best.file_unique_id, best.file_size, "image/jpeg", None, best.width, best.height)
    if message.document is not None:
        doc = message.document
        return FileInput("document", doc.file_id, doc.file_unique_id, doc.file_size, doc.mime_type, doc.file_name)
    return Unsupported(kind=content_kind(message))


def callback_event(query: CallbackQuery) -> Event:
    """The flow event of an inline button press."""
    return ButtonPress(query.data or "")


def command_event(message: Message | None) -> Command:
    """The Command of a message already routed as a command."""
    parsed = parse_command(message.text or "") if message is not None else None
    return parsed if parsed is not None else Command("")
