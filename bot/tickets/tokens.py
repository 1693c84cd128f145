"""Signed ticket tokens for QR codes and `tk_` deep links: ticket id and version with an HMAC, no personal data.

Layout before base64url: 4-byte ticket id, 2-byte token version, 12-byte truncated HMAC-SHA256 = 24 characters,
well inside Telegram's 64-character limit for a /start parameter ([A-Za-z0-9_-] only).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bot.pii import PiiCipher
from bot.signed_tokens import MAC_BYTES, TokenFormat

FORMAT = TokenFormat(b"ticket", struct.Struct(">IH"))
TOKEN_CHARS = FORMAT.chars
__all__ = ["MAC_BYTES", "TOKEN_CHARS", "TicketRef", "make", "verify"]


@dataclass(frozen=True)
class TicketRef:
    """What a valid token names: a ticket and the token version it was issued with."""

    ticket_id: int
    version: int


def make(cipher: PiiCipher, ticket_id: int, version: int) -> str:
    """The token for a ticket id and version."""
    return FORMAT.make(cipher, ticket_id, version)


def verify(cipher: PiiCipher, token: str) -> TicketRef | None:
    """The ticket a token names when its signature is valid; None for anything forged, truncated or malformed."""
    values = FORMAT.verify(cipher, token)
    return TicketRef(*values) if values is not None else None
