"""Signed certificate tokens for the QR code on a certificate and `ct_` deep links: id and version with an HMAC.

Layout before base64url: 4-byte certificate id, 4-byte record version, 12-byte truncated HMAC-SHA256 = 27 characters
(`ct_` + 27 = 30, inside Telegram's 64-character limit for a /start parameter, [A-Za-z0-9_-] only). No personal data:
the verifier learns the masked record from the bot. A correction bumps the certificate's version, so tokens of an
earlier version are stale and no longer verify.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bot.app import App
from bot.pii import PiiCipher
from bot.signed_tokens import MAC_BYTES, TokenFormat
from storage.models import Certificate

PREFIX = "ct_"
FORMAT = TokenFormat(b"certificate", struct.Struct(">II"))
TOKEN_CHARS = FORMAT.chars
_MAX = 2**32 - 1
__all__ = ["MAC_BYTES", "PREFIX", "TOKEN_CHARS", "CertificateRef", "link", "make", "payload", "verify"]


@dataclass(frozen=True)
class CertificateRef:
    """What a valid token names: a certificate and the record version it was made for."""

    certificate_id: int
    version: int


def make(cipher: PiiCipher, certificate_id: int, version: int) -> str:
    """The token for a certificate id and record version; ValueError outside 0 … 2³²-1."""
    if not (0 <= certificate_id <= _MAX and 0 <= version <= _MAX):
        raise ValueError("certificate id and version must fit in 32 bits")
    return FORMAT.make(cipher, certificate_id, version)


def verify(cipher: PiiCipher, token: str) -> CertificateRef | None:
    """The certificate a token names when its signature is valid; None for anything forged, truncated or malformed."""
    values = FORMAT.verify(cipher, token)
    return CertificateRef(*values) if values is not None else None


def payload(app: App, certificate: Certificate) -> str:
    """The /start parameter of a certificate's verification link: `ct_<token>`."""
    return PREFIX + make(app.cipher, certificate.id or 0, certificate.version)


def link(app: App, certificate: Certificate) -> str:
    """The verification link printed as the certificate's QR code (bare `/start ct_…` when the username is unknown)."""
    start = payload(app, certificate)
    username = app.settings.bot_username
    return f"https://t.me/{username}?start={start}" if username else f"/start {start}"
