"""What a flow may know about the user and the moment, passed in by the service layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FlowContext:
    """Read-only facts for one update: who, in which role and locale, and when."""

    user_id: int
    chat_id: int
    role: str
    locale: str
    now: datetime
    facts: dict[str, Any] = field(default_factory=dict)
