"""Effects of the announcement commands; the service layer carries them out, audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CreateAnnouncement:
    """Store a new open announcement (R1) of a filed occupation."""

    institution_id: int
    occupation_id: int
    title: str
    levels: list[int]
    conditions: dict[str, Any]
    registration_start: str
    registration_end: str
    sites: list[str]
    fee_yuan: int


@dataclass(frozen=True)
class CloseAnnouncement:
    """Close an open announcement: it no longer takes applications."""

    announcement_id: int
