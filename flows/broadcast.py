"""Broadcasts (/broadcast): one command names the audience and the text, a preview with the recipient count asks for
confirmation, and the command without arguments shows the progress of recent broadcasts.

`/broadcast batch <batch id> <text>` reaches the batch's candidates, `/broadcast role <role> <text>` every account with
that role. Texts with O2 advertising words are refused naming each word (003 (十九)). The preview's buttons carry the
broadcast id (`bc:ok:<id>` sends, `bc:no:<id>` drops the draft, `bc:ls` shows progress), so nothing here keeps
conversation state and a second press of "send" is answered from the stored rows, never sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.normalize import nfkc
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.menu import ROLES
from flows.replies import Label, Text, button, inline
from flows.state import ConversationState

COMMAND = "broadcast"
PREFIX = "bc"
SEND, DROP, LIST = "ok", "no", "ls"
BATCH, ROLE = "batch", "role"
MAX_TEXT = 3500  # room for the heading within Telegram's 4096 characters
MAX_ID = 10**12


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: a batch's candidates (`batch`, its id) or everyone with a role (`role`, its name)."""

    kind: str
    value: str

    def key(self) -> str:
        """The stored form, e.g. `batch:12` or `role:proctor`."""
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Request:
    """A parsed `/broadcast` command: the audience and the text (stripped)."""

    audience: Audience
    text: str


@dataclass(frozen=True)
class Problem:
    """Why a `/broadcast` command cannot be previewed: a catalogue key under `broadcast.` and its parameters."""

    key: str
    params: dict[str, object]


@dataclass(frozen=True)
class Progress:
    """A recent broadcast and its delivery counts read from its notifications (all zero: not confirmed yet)."""

    id: int
    audience: str
    total: int
    sent: int
    failed: int
    pending: int
    created_at: datetime

    @property
    def confirmed(self) -> bool:
        """True once its notifications were queued."""
        return self.sent + self.failed + self.pending > 0


def parse_audience(raw: str) -> Audience | None:
    """`batch:12` / `role:proctor` (the stored form) back into an Audience; None when malformed."""
    kind, _, value = raw.partition(":")
    if kind == BATCH and value.isdigit():
        return Audience(BATCH, value)
    if kind == ROLE and value in ROLES:
        return Audience(ROLE, value)
    return None


def parse(args: str) -> Request | Problem | None:
    """`batch <id> <text>` or `role <role> <text>`; None for no arguments (progress), a Problem when malformed."""
    stripped = args.strip()
    if not stripped:
        return None
    head = stripped.split(maxsplit=2)
    kind = nfkc(head[0]).lower()
    if kind not in (BATCH, ROLE) or len(head) < 2:
        return Problem("usage", {})
    value = nfkc(head[1]).strip().lstrip("#").lower()
    text = head[2].strip() if len(head) == 3 else ""
    if kind == BATCH and not (value.isascii() and value.isdigit() and 0 < int(value) < MAX_ID):
        return Problem("bad_batch", {"value": head[1]})
    if kind == ROLE and value not in ROLES:
        return Problem("bad_role", {"value": head[1], "roles": ", ".join(ROLES)})
    if not text:
        return Problem("no_text", {})
    if len(text) > MAX_TEXT:
        return Problem("too_long", {"limit": MAX_TEXT, "length": len(text)})
    return Request(Audience(kind, str(int(value)) if kind == BATCH else value), text)


def data(action: str, broadcast_id: int | None = None) -> str:
    """Callback data of a broadcast button."""
    return f"{PREFIX}:{action}" if broadcast_id is None else f"{PREFIX}:{action}:{broadcast_id}"


def parse_button(raw: str) -> tuple[str, int | None] | None:
    """(action, broadcast id) of a `bc:` button; None when malformed."""
    parts = raw.split(":")
    if len(parts) == 2 and parts[0] == PREFIX and parts[1] == LIST:
        return LIST, None
    if len(parts) == 3 and parts[0] == PREFIX and parts[1] in (SEND, DROP) and parts[2].isascii() and parts[2].isdigit() and len(parts[2]) <= 12:
        return parts[1], int(parts[2])
    return None


def audience_label(audience: str, name: str | None = None) -> Label:
    """How an audience is named to staff: the batch (with its name when known) or the role."""
    parsed = parse_audience(audience)
    if parsed is None:
        return Label(raw=audience)
    if parsed.kind == BATCH:
        return Label("broadcast.audience_batch", {"id": parsed.value, "name": name or ""})
    return Label("broadcast.audience_role", {"role": Label(f"role.{parsed.value}")})


def message(text: str) -> Text:
    """The notification every recipient gets (the heading in their language, the staff member's text as written)."""
    return Text("broadcast.message", {"text": text})


def problem(state: ConversationState, ctx: FlowContext, found: Problem) -> FlowResult:
    """A malformed command, explained."""
    return FlowResult(state, [Text(f"broadcast.{found.key}", dict(found.params))])


def refused_words(state: ConversationState, ctx: FlowContext, words: tuple[str, ...]) -> FlowResult:
    """The text uses O2 advertising words: each is named, with the rule (003 (十九))."""
    return FlowResult(state, [Text("broadcast.advertising", {"words": list(words)})])


def batch_not_found(state: ConversationState, ctx: FlowContext, batch_id: str) -> FlowResult:
    """No batch with that id."""
    return FlowResult(state, [Text("broadcast.batch_not_found", {"id": batch_id})])


def no_recipients(state: ConversationState, ctx: FlowContext, audience: Label) -> FlowResult:
    """The audience is empty: nothing to confirm."""
    return FlowResult(state, [Text("broadcast.no_recipients", {"audience": audience})])


def preview(state: ConversationState, ctx: FlowContext, broadcast_id: int, audience: Label, count: int, text: str) -> FlowResult:
    """The text as recipients will read it, the audience and its size, with send and cancel buttons."""
    keyboard = inline(
        [button("broadcast.send_button", data(SEND, broadcast_id), count=count), button("broadcast.drop_button", data(DROP, broadcast_id))]
    )
    params = {"id": broadcast_id, "audience": audience, "count": count, "text": text}
    return FlowResult(state, [Text("broadcast.preview", params, keyboard)])


def queued(state: ConversationState, ctx: FlowContext, broadcast_id: int, count: int) -> FlowResult:
    """Confirmed: the messages are queued for delivery at Telegram's rate."""
    keyboard = inline([button("broadcast.progress_button", data(LIST))])
    return FlowResult(state, [Text("broadcast.queued", {"id": broadcast_id, "count": count}, keyboard)])


def already(state: ConversationState, ctx: FlowContext, broadcast_id: int) -> FlowResult:
    """A second press of send: nothing is queued again."""
    keyboard = inline([button("broadcast.progress_button", data(LIST))])
    return FlowResult(state, [Text("broadcast.already", {"id": broadcast_id}, keyboard)])


def dropped(state: ConversationState, ctx: FlowContext, broadcast_id: int | None) -> FlowResult:
    """The draft was dropped (None: it was already sent or gone)."""
    if broadcast_id is None:
        return FlowResult(state, [Text("broadcast.not_dropped")])
    return FlowResult(state, [Text("broadcast.dropped", {"id": broadcast_id})])


def not_found(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """A button of a broadcast that no longer exists."""
    return FlowResult(state, [Text("broadcast.not_found")])


def progress(state: ConversationState, ctx: FlowContext, rows: list[Progress], names: dict[str, str]) -> FlowResult:
    """Usage and the recent broadcasts: total, sent, failed, pending (or awaiting confirmation)."""
    lines = []
    for row in rows:
        params = {
            "id": row.id,
            "audience": audience_label(row.audience, names.get(row.audience)),
            "total": row.total,
            "sent": row.sent,
            "failed": row.failed,
            "pending": row.pending,
        }
        lines.append(Label("broadcast.row" if row.confirmed else "broadcast.row_draft", params))
    keyboard = inline([button("broadcast.progress_button", data(LIST))]) if rows else None
    return FlowResult(state, [Text("broadcast.progress", {"rows": lines, "roles": ", ".join(ROLES)}, keyboard)])
