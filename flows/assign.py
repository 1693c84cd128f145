"""The assignment work of /assign (DOMAIN A4, C10): which batches still lack a chief or deputy proctor in a room, a
supervisor, assessors, or seats for approved candidates, and one batch's assignment view.

The view's buttons are the batch card's `bt:` actions marked with ASSIGN_VIEW, so every change goes through the same
audited services and the staff member comes back here afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.normalize import nfkc
from flows.batch_card import ASSESSORS, ASSIGN_VIEW, LIST, ROOM, SEAT, SHOW, SUPERVISOR, card_text, data
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import InlineButton, InlineKeyboard, Label, Reply, Text, button
from flows.state import ConversationState

COMMAND = "assign"
MAX_ID = 10**12
MAX_NAME = 100  # the batch form's limit (flows.batch_inputs.name)
MAX_RECENT = 10


@dataclass(frozen=True)
class Missing:
    """What a batch still lacks: rooms without a chief / deputy proctor, supervisor, assessors, unseated candidates."""

    chiefs: int = 0
    deputies: int = 0
    supervisor: bool = False
    assessors: bool = False
    unseated: int = 0

    def any(self) -> bool:
        """True when anything is still to do."""
        return bool(self.chiefs or self.deputies or self.supervisor or self.assessors or self.unseated)


def parse_target(args: str) -> int | str | None:
    """`` → None (the list), `7` or `#7` → batch id 7, anything else → a batch name to look up."""
    text = " ".join(args.split())
    if not text:
        return None
    number = nfkc(text).removeprefix("#").strip()
    if number.isascii() and number.isdigit() and len(number) <= 12 and 0 < int(number) <= MAX_ID:
        return int(number)
    return text[:MAX_NAME]


def missing(card: dict[str, Any]) -> Missing:
    """What the batch card's facts (bot.services.batches.card) show is still unassigned."""
    rooms = [r for s in card["sessions"] for r in s["rooms"]]
    return Missing(
        chiefs=sum(1 for r in rooms if not r["chief"]),
        deputies=sum(1 for r in rooms if not r["deputy"]),
        supervisor=not card["supervisor"],
        assessors=not card["assessors"],
        unseated=int(card.get("unseated") or 0),
    )


def summary(lack: Missing) -> list[Label]:
    """One label per missing kind of assignment, in the order of the view."""
    labels: list[Label] = []
    if lack.chiefs:
        labels.append(Label("assign.missing_chiefs", {"count": lack.chiefs}))
    if lack.deputies:
        labels.append(Label("assign.missing_deputies", {"count": lack.deputies}))
    if lack.assessors:
        labels.append(Label("assign.missing_assessors"))
    if lack.supervisor:
        labels.append(Label("assign.missing_supervisor"))
    if lack.unseated:
        labels.append(Label("assign.missing_unseated", {"count": lack.unseated}))
    return labels


def needing_work(cards: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Missing]]:
    """The batches (card facts) with anything missing, in the given order."""
    return [(card, lack) for card in cards if (lack := missing(card)).any()]


def _open(batch_id: int, name: str) -> tuple[InlineButton, ...]:
    return (button("assign.btn_open", data(SHOW, batch_id, view=ASSIGN_VIEW), id=batch_id, name=name),)


def listing(state: ConversationState, ctx: FlowContext, cards: list[dict[str, Any]], recent: list[dict[str, Any]]) -> FlowResult:
    """Unfinished batches needing assignment work with what is missing; else say so and offer the recent batches."""
    pending = needing_work(cards)
    if pending:
        items = [{"id": c["id"], "name": c["name"], "level": Label(f"level.{c['level']}"), "date": c["date"],
                  "missing": summary(lack)} for c, lack in pending]
        keyboard = InlineKeyboard(tuple(_open(c["id"], c["name"]) for c, _ in pending))
        return FlowResult(state, [Text("assign.list", {"items": items}, keyboard)])
    if not recent:
        return FlowResult(state, [Text("assign.no_batches")])
    shown = recent[:MAX_RECENT]
    items = [{**r, "level": Label(f"level.{r['level']}"), "status": Label(f"batch_status.{r['status']}")} for r in shown]
    keyboard = InlineKeyboard(tuple(_open(r["id"], r["name"]) for r in shown))
    return FlowResult(state, [Text("assign.all_done", {"items": items}, keyboard)])


def view_keyboard(card: dict[str, Any]) -> InlineKeyboard:
    """Per room: pick chief then deputy; assessors, supervisor; seating when someone lacks a seat; card and list."""
    batch_id = card["id"]
    rows: list[tuple[InlineButton, ...]] = []
    for s in card["sessions"]:
        for r in s["rooms"]:
            done = bool(r["chief"] and r["deputy"])
            rows.append((button("assign.btn_room", data(ROOM, r["id"], view=ASSIGN_VIEW), done=done,
                                subject=Label(f"subject.{s['subject']}"), room=r["name"]),))
    rows.append((button("batch.btn_assessors", data(ASSESSORS, batch_id, view=ASSIGN_VIEW)),
                 button("batch.btn_supervisor", data(SUPERVISOR, batch_id, view=ASSIGN_VIEW))))
    if card.get("unseated"):
        rows.append((button("batch.btn_seat", data(SEAT, batch_id, view=ASSIGN_VIEW)),))
    rows.append((button("assign.btn_card", data(SHOW, batch_id)), button("assign.btn_list", data(LIST, view=ASSIGN_VIEW))))
    return InlineKeyboard(tuple(rows))


def view(state: ConversationState, ctx: FlowContext, card: dict[str, Any] | None, notice: Text | None = None) -> FlowResult:
    """The assignment view of one batch (after an optional notice of what just changed), or "no such batch"."""
    if card is None:
        return FlowResult(state, [Text("batch.not_found")])
    replies: list[Reply] = [notice] if notice else []
    params = {**card_text(card), "missing": summary(missing(card))}
    replies.append(Text("assign.view", params, view_keyboard(card)))
    return FlowResult(state, replies)


def unknown(state: ConversationState, ctx: FlowContext, target: str) -> FlowResult:
    """No batch has this id or name."""
    return FlowResult(state, [Text("assign.unknown", {"target": target})])
