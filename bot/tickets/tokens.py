"""Signed ticket tokens for QR codes and `tk_` deep links: ticket id and version with an HMAC, no personal data.

Layout before base64url: 4-byte ticket id, 2-byte token version, 12-byte truncated HMAC-SHA256 = 24 characters,
well inside Telegram's 64-character limit for a /start parameter ([A-Za-z0-9_-] only).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import struct
from dataclasses import dataclass

from bot.pii import PiiCipher

_BODY = struct.Struct(">IH")
MAC_BYTES = 12
TOKEN_CHARS = 24


@dataclass(frozen=True)
class TicketRef:
    """What a valid token names: a ticket and the token version it was issued with."""

    ticket_id: int
    version: int


def _mac(cipher: PiiCipher, body: bytes) -> bytes:
    return base64.urlsafe_b64decode(cipher.sign(b"ticket:" + body, MAC_BYTES) + "==")


def make(cipher: PiiCipher, ticket_id: int, version: int) -> str:
    """The token for a ticket id and version."""
    body = _BODY.pack(ticket_id, version)
    return base64.urlsafe_b64encode(body + _mac(cipher, body)).decode("ascii").rstrip("=")


def verify(cipher: PiiCipher, token: str) -> TicketRef | None:
    """The ticket a token names when its signature is valid; None for anything forged, truncated or malformed."""
    token = token.strip()
    if len(token) != TOKEN_CHARS or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    body, mac = raw[: _BODY.size], raw[_BODY.size:]
    if len(mac) != MAC_BYTES or not hmac.compare_digest(mac, _mac(cipher, body)):
        return None
    ticket_id, version = _BODY.unpack(body)
    return TicketRef(ticket_id, version)
