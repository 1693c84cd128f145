"""Real Update JSON builders (the shapes Telegram sends) for scenario tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

_update_ids = itertools.count(100_000)
_message_ids = itertools.count(1)


def _user(user_id: int, first_name: str = "Test", language_code: str = "zh-hans") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "username": f"user{user_id}", "language_code": language_code}


def _chat(user_id: int, first_name: str = "Test") -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": first_name, "username": f"user{user_id}"}


def message(user_id: int, text: str | None = None, **content: Any) -> dict[str, Any]:
    """A private message update; `/commands` get a bot_command entity like Telegram adds."""
    msg: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": _user(user_id),
        "chat": _chat(user_id),
        "date": int(time.time()),
    }
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    msg.update(content)
    return {"update_id": next(_update_ids), "message": msg}


def command(user_id: int, name: str, args: str = "") -> dict[str, Any]:
    """A /command message."""
    return message(user_id, f"/{name}" + (f" {args}" if args else ""))


def contact(user_id: int, phone: str, own: bool = True) -> dict[str, Any]:
    """A shared contact (own or someone else's)."""
    return message(user_id, contact={"phone_number": phone, "first_name": "Test", "user_id": user_id if own else user_id + 1})


def sticker(user_id: int) -> dict[str, Any]:
    """A sticker message."""
    return message(
        user_id,
        sticker={"file_id": "CAAC-sticker", "file_unique_id": "st1", "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
    )


def photo(user_id: int, file_id: str = "AgAC-photo", size: int = 50_000, width: int = 413, height: int = 579) -> dict[str, Any]:
    """A photo message with two sizes."""
    return message(
        user_id,
        photo=[
            {"file_id": file_id + "-s", "file_unique_id": "ph-s", "file_size": 1000, "width": 90, "height": 126},
            {"file_id": file_id, "file_unique_id": "ph-l", "file_size": size, "width": width, "height": height},
        ],
    )


def document(user_id: int, file_name: str = "proof.pdf", mime: str = "application/pdf", size: int = 100_000) -> dict[str, Any]:
    """A document message."""
    return message(user_id, document={"file_id": "BQAC-doc", "file_unique_id": "doc1", "file_name": file_name, "mime_type": mime, "file_size": size})


def edited(user_id: int, text: str) -> dict[str, Any]:
    """An edited_message update."""
    upd = message(user_id, text)
    msg = upd.pop("message")
    msg["edit_date"] = int(time.time())
    upd["edited_message"] = msg
    return upd


def callback(user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    """An inline button press on a bot message."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": _user(user_id),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": message_id,
                "from": {"id": 777000111, "is_bot": True, "first_name": "skillbot", "username": "skillbot_test_bot"},
                "chat": _chat(user_id),
                "date": int(time.time()),
                "text": "…",
            },
        },
    }
