"""Per-user conversation state: what the store persists between updates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class FormProgress:
    """Values entered so far in one form, where the user is and how they got there."""

    step: str
    values: dict[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    editing: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form for storage."""
        return {"step": self.step, "values": self.values, "history": list(self.history), "editing": self.editing}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FormProgress:
        """Inverse of to_json."""
        return cls(
            step=str(raw["step"]),
            values=dict(raw.get("values") or {}),
            history=tuple(raw.get("history") or ()),
            editing=bool(raw.get("editing", False)),
        )


@dataclass(frozen=True)
class ConversationState:
    """Active form (if any), saved drafts of other forms, and reply-keyboard label mapping."""

    active: str | None = None
    forms: dict[str, FormProgress] = field(default_factory=dict)
    reply_map: dict[str, str] = field(default_factory=dict)
    version: int = 0

    @property
    def progress(self) -> FormProgress | None:
        """Progress of the active form."""
        return self.forms.get(self.active) if self.active else None

    def with_progress(self, form: str, progress: FormProgress) -> ConversationState:
        """Copy with the given form's progress replaced and that form active."""
        forms = dict(self.forms)
        forms[form] = progress
        return replace(self, active=form, forms=forms)

    def without_form(self, form: str) -> ConversationState:
        """Copy with a form's draft dropped (and deactivated if it was active)."""
        forms = {k: v for k, v in self.forms.items() if k != form}
        return replace(self, active=None if self.active == form else self.active, forms=forms)

    def deactivated(self) -> ConversationState:
        """Copy with no active form; drafts stay."""
        return replace(self, active=None)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form for storage (version is stored in its own column)."""
        return {
            "active": self.active,
            "forms": {k: v.to_json() for k, v in self.forms.items()},
            "reply_map": self.reply_map,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None, version: int = 0) -> ConversationState:
        """Inverse of to_json; tolerant of an empty or older document."""
        raw = raw or {}
        forms = {k: FormProgress.from_json(v) for k, v in (raw.get("forms") or {}).items()}
        active = raw.get("active")
        if active not in forms:
            active = None
        return cls(active=active, forms=forms, reply_map=dict(raw.get("reply_map") or {}), version=version)
