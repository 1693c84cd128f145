"""The batch card and its buttons (/batches): examiners per room, seats, tickets, moving a session.

Buttons carry everything they need (`bt:<action>:<id>[:<id>][:<view>]`), so the card keeps no conversation state.
The optional `<view>` names where the staff member came from and returns to after the action (ASSIGN_VIEW: /assign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import InlineButton, InlineKeyboard, Label, Reply, Text, button
from flows.state import ConversationState

PREFIX = "bt"
SHOW, LIST, SEAT = "show", "list", "seat"
ISSUE, ISSUE_OK, REISSUE, REISSUE_OK = "issue", "issue!", "reissue", "reissue!"
ROOM, CHIEF, DEPUTY = "room", "chief", "deputy"
SUPERVISOR, SUPERVISOR_SET, ASSESSORS, ASSESSOR_TOGGLE = "sup", "sup!", "asr", "asr!"
MOVE = "move"
ACTIONS = {
    SHOW: 1, LIST: 0, SEAT: 1, ISSUE: 1, ISSUE_OK: 1, REISSUE: 1, REISSUE_OK: 1, ROOM: 1, CHIEF: 2, DEPUTY: 2,
    SUPERVISOR: 1, SUPERVISOR_SET: 2, ASSESSORS: 1, ASSESSOR_TOGGLE: 2, MOVE: 1,
}
MAX_ID = 10**15
ASSIGN_VIEW = "as"  # the assignment view of /assign (flows.assign); no suffix: the batch card
VIEWS = (ASSIGN_VIEW,)


@dataclass(frozen=True)
class Action:
    """A parsed card button: what to do and the ids it names."""

    kind: str
    ids: tuple[int, ...] = ()
    view: str = ""


def data(action: str, *ids: object, view: str = "") -> str:
    """Callback data of a card button (far below 64 bytes); `view` marks where the staff member returns to."""
    return ":".join([PREFIX, action, *(str(i) for i in ids), *((view,) if view else ())])


def parse(raw: str) -> Action | None:
    """The action a button names; None for anything malformed."""
    parts = raw.split(":")
    if len(parts) < 2 or parts[0] != PREFIX or parts[1] not in ACTIONS:
        return None
    ids = parts[2:]
    view = ids.pop() if ids and ids[-1] in VIEWS else ""
    if len(ids) != ACTIONS[parts[1]] or not all(i.isascii() and i.isdigit() and int(i) < MAX_ID for i in ids):
        return None
    return Action(parts[1], tuple(int(i) for i in ids), view)


def listing(state: ConversationState, ctx: FlowContext, rows: list[dict[str, Any]]) -> FlowResult:
    """Recent batches, one button each."""
    if not rows:
        return FlowResult(state, [Text("batch.list_empty")])
    items = [{**r, "level": Label(f"level.{r['level']}"), "status": Label(f"batch_status.{r['status']}")} for r in rows]
    keyboard = InlineKeyboard(tuple((button("batch.open", data(SHOW, r["id"]), id=r["id"]),) for r in rows))
    return FlowResult(state, [Text("batch.list", {"items": items}, keyboard)])


def card_text(card: dict[str, Any]) -> dict[str, Any]:
    """The card's facts with labels for subjects, room kinds, level, status and unassigned examiners."""
    sessions = [
        {**s, "subject": Label(f"subject.{s['subject']}"),
         "rooms": [{**r, "kind": Label(f"room_kind.{r['kind']}"), "chief": r["chief"] or Label("batch.unassigned"),
                    "deputy": r["deputy"] or Label("batch.unassigned")} for r in s["rooms"]]}
        for s in card["sessions"]
    ]
    return {
        **card, "sessions": sessions, "level": Label(f"level.{card['level']}"), "status": Label(f"batch_status.{card['status']}"),
        "assessors": card["assessors"] or [Label("batch.unassigned")], "supervisor": card["supervisor"] or Label("batch.unassigned"),
    }


def card_keyboard(card: dict[str, Any]) -> InlineKeyboard:
    """Actions on a batch: seats, tickets, examiners per room, assessors, supervisor, moving a session."""
    batch_id = card["id"]
    rows: list[tuple[InlineButton, ...]] = [
        (button("batch.btn_seat", data(SEAT, batch_id)), button("batch.btn_issue", data(ISSUE, batch_id))),
    ]
    if card["issued"]:
        rows.append((button("batch.btn_reissue", data(REISSUE, batch_id)),))
    for s in card["sessions"]:
        for r in s["rooms"]:
            rows.append((button("batch.btn_room", data(ROOM, r["id"]), subject=Label(f"subject.{s['subject']}"), room=r["name"]),))
    rows.append((button("batch.btn_assessors", data(ASSESSORS, batch_id)), button("batch.btn_supervisor", data(SUPERVISOR, batch_id))))
    for s in card["sessions"]:
        rows.append((button("batch.btn_move", data(MOVE, s["id"]), subject=Label(f"subject.{s['subject']}")),))
    rows.append((button("batch.btn_list", data(LIST)),))
    return InlineKeyboard(tuple(rows))


def show(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None, notice: Text | None = None) -> FlowResult:
    """The card (after an optional notice of what just changed), or "no such batch"."""
    if card is None:
        return FlowResult(state, [Text("batch.not_found")])
    replies: list[Reply] = [notice] if notice else []
    replies.append(Text("batch.card", card_text(card), card_keyboard(card)))
    return FlowResult(state, replies)


def pick_person(
    state: ConversationState, ctx: FlowContext, prompt: str, params: dict[str, Any], people: list[dict[str, Any]],
    action: str, owner: int, back: int, chosen: tuple[int, ...] = (), view: str = "",
) -> FlowResult:
    """A list of users of one role as buttons; `chosen` ones are marked (assessors are toggled); `view` is kept."""
    if not people:
        return FlowResult(state, [Text("batch.no_people", {"role": Label(params.get("role_key", "role.proctor"))})])
    rows = tuple(
        (button("batch.person_on" if p["id"] in chosen else "batch.person", data(action, owner, p["id"], view=view),
                label=p["label"]),)
        for p in people
    )
    rows += ((button("batch.btn_back", data(SHOW, back, view=view)),),)
    return FlowResult(state, [Text(prompt, params, InlineKeyboard(rows))])


def confirm(state: ConversationState, ctx: FlowContext, card: dict[str, Any], everyone: bool) -> FlowResult:
    """Ask before notifying candidates: issue new tickets, or re-send every ticket."""
    key, action = ("batch.confirm_reissue", REISSUE_OK) if everyone else ("batch.confirm_issue", ISSUE_OK)
    keyboard = InlineKeyboard(((button("batch.btn_yes", data(action, card["id"])), button("batch.btn_back", data(SHOW, card["id"]))),))
    return FlowResult(state, [Text(key, card_text(card), keyboard)])


def refuse(state: ConversationState, ctx: FlowContext, key: str, **params: Any) -> FlowResult:
    """A card action refused with a reason."""
    return FlowResult(state, [Text(key, params)])
