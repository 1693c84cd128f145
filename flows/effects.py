"""Side effects a flow asks for; the service layer carries them out in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetLocale:
    """Store the user's interface language."""

    locale: str


@dataclass(frozen=True)
class SaveProfile:
    """Store the user's own name and mobile number (encrypted)."""

    name: str
    phone: str
