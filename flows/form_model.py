"""Form definitions: steps, choices, input kinds, results and the navigation callback-data namespace."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Sequence

from flows.context import FlowContext
from flows.events import Event
from flows.replies import Label, Reply, Text
from flows.state import ConversationState

NAV = "fm"  # callback-data namespace of form navigation


class InputKind(StrEnum):
    """What kind of input a step takes."""

    TEXT = "text"
    CHOICE = "choice"
    CONTACT = "contact"
    FILE = "file"
    FILES = "files"


class Invalid(Exception):
    """Raised by a step parser: the input is rejected with a localized explanation."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Choice:
    """One option of a choice step; `value` goes into callback data, keep it short."""

    value: str
    label: Label


Parser = Callable[[Event, FlowContext, dict[str, Any]], Any]
Choices = Callable[[FlowContext, dict[str, Any]], Sequence[Choice]]
Formatter = Callable[[Any], Any]


@dataclass(frozen=True)
class Step:
    """One declarative step: prompt, input kind, parser/validator, options and summary display."""

    name: str
    prompt: str
    kind: InputKind = InputKind.TEXT
    parse: Parser | None = None
    choices: Choices | None = None
    when: Callable[[dict[str, Any]], bool] | None = None
    label: str = ""
    show: Formatter | None = None
    editable: bool = True
    max_items: int = 10
    optional: bool = False


@dataclass(frozen=True)
class FlowResult:
    """Outcome of one event: new state, replies to send and side effects for the service layer."""

    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Any] = field(default_factory=list)


Completer = Callable[[dict[str, Any], FlowContext], tuple[list[Reply], list[Any]]]


@dataclass(frozen=True)
class Form:
    """A named sequence of steps ending in a summary the user confirms."""

    name: str
    steps: tuple[Step, ...]
    summary: str
    complete: Completer
    title: str = ""
    confirm: Step | None = None
    check: Callable[[dict[str, Any], FlowContext], list[Text]] | None = None

    def step(self, name: str) -> Step:
        """Step by name; KeyError when the form has no such step."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def applicable(self, values: dict[str, Any]) -> list[Step]:
        """Steps that apply given the values so far (a `when` guard may skip some)."""
        return [s for s in self.steps if s.when is None or s.when(values)]

    def next_step(self, current: str | None, values: dict[str, Any]) -> str | None:
        """Name of the first applicable step after `current` still to ask, else None (summary)."""
        names = [s.name for s in self.applicable(values)]
        start = names.index(current) + 1 if current in names else 0
        for name in names[start:]:
            return name
        return None


# Values whose key starts with META are form metadata (e.g. which stored record a draft edits):
# kept across steps, never asked for and never shown.
META = "__"
SUMMARY = "__summary__"
CONFIRM = "__confirm__"


def nav(action: str, arg: str = "") -> str:
    """Callback data for a navigation button."""
    return f"{NAV}:{action}:{arg}" if arg else f"{NAV}:{action}"
