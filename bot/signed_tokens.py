"""Short signed tokens for QR codes and deep links: a packed body of small integers plus a truncated HMAC, base64url.

The MAC is `PiiCipher.sign` over a purpose label and the body, so a ticket token can never pass as a certificate
token. Tokens carry ids only, never personal data; they fit Telegram's /start parameter ([A-Za-z0-9_-], ≤ 64).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import struct
from dataclasses import dataclass

from bot.pii import PiiCipher

MAC_BYTES = 12


@dataclass(frozen=True)
class TokenFormat:
    """One kind of token: its purpose label and the struct layout of its body (e.g. `>IH`)."""

    purpose: bytes
    body: struct.Struct

    @property
    def chars(self) -> int:
        """Length of a token of this kind (base64url without padding)."""
        return -(-(self.body.size + MAC_BYTES) * 4 // 3)

    def _mac(self, cipher: PiiCipher, body: bytes) -> bytes:
        return base64.urlsafe_b64decode(cipher.sign(self.purpose + b":" + body, MAC_BYTES) + "==")

    def make(self, cipher: PiiCipher, *values: int) -> str:
        """The token for these values; struct.error when one does not fit the layout."""
        body = self.body.pack(*values)
        return base64.urlsafe_b64encode(body + self._mac(cipher, body)).decode("ascii").rstrip("=")

    def verify(self, cipher: PiiCipher, token: str) -> tuple[int, ...] | None:
        """The values of a token with a valid signature; None for anything forged, truncated or malformed."""
        token = token.strip()
        if len(token) != self.chars or not token.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        body, mac = raw[: self.body.size], raw[self.body.size:]
        if len(body) != self.body.size or len(mac) != MAC_BYTES or not hmac.compare_digest(mac, self._mac(cipher, body)):
            return None
        return tuple(self.body.unpack(body))
