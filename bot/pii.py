"""Encryption at rest, keyed lookup hashes and display masks for personal data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEY_FILE_NAME = "data_key"


def _derive(master: bytes, label: bytes) -> bytes:
    """Derive a 32-byte subkey for one purpose from the master key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"skillbot-pii-v1", info=label).derive(master)


class PiiCipher:
    """Encrypts PII for storage and computes keyed hashes for exact-match lookups."""

    def __init__(self, master_key: str) -> None:
        if len(master_key) < 16:
            raise ValueError("DATA_KEY must be at least 16 characters")
        master = master_key.encode("utf-8")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"encrypt")))
        self._hash_key = _derive(master, b"lookup-hash")

    def encrypt(self, plain: str | None) -> str | None:
        """Encrypt a value; None stays None."""
        if plain is None:
            return None
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        """Decrypt a stored value; raises ValueError on a foreign or damaged token."""
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong DATA_KEY or damaged value") from exc

    def lookup_hash(self, normalized: str | None) -> str | None:
        """Keyed HMAC-SHA256 of an already normalized value, for indexed equality lookups."""
        if normalized is None:
            return None
        return hmac.new(self._hash_key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign(self, payload: bytes, length: int = 16) -> str:
        """Short URL-safe HMAC signature for tokens carried in links and QR codes."""
        mac = hmac.new(self._hash_key, b"sign:" + payload, hashlib.sha256).digest()[:length]
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def load_or_create_key(explicit: str | None, data_dir: Path) -> str:
    """Return DATA_KEY, or read/generate `<data_dir>/data_key` with a warning."""
    if explicit:
        return explicit
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    log.warning(
        "DATA_KEY is not set: generated %s. Back it up; without it encrypted personal data cannot be read.",
        path,
    )
    return key


def mask_id_number(value: str | None) -> str:
    """Mask an ID/certificate-holder number keeping the first 4 and last 4 characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Mask a phone number keeping the first 3 and last 4 digits."""
    if not value:
        return ""
    digits = value
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    """Mask a personal name keeping the first character."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
