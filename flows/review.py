"""The staff review queue as a small state machine: card → decision → reason template → optional note → notices.

The service puts the card of the application a command or button is about into `ctx.facts["review"]`
(`{"card": {...} | None, "queue": N}`, identity numbers masked). A reject / supplement decision waits for the
note in the conversation state under the name `review`; the decision itself is the `ReviewDecision` effect, which
the service applies only if the application still awaits review (a stale decision is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.context import FlowContext
from flows.events import Event, TextInput
from flows.engine import FlowResult
from flows.my import fix_markup
from flows.replies import Document, InlineButton, InlineKeyboard, Label, Photo, Reply, Text
from flows.review_card import (
    APPROVED,
    DECISIONS,
    OTHER,
    REASONS,
    SUBMITTED,
    card_text,
    data,
    level_label,
    next_markup,
    reason_label,
    reason_menu,
    status_label,
)
from flows.state import ConversationState, FormProgress

NAME = "review"
NOTE_STEP = "note"
NOTE_MAX = 300
_NO_ID = frozenset({"next"})


@dataclass(frozen=True)
class ReviewDecision:
    """Effect: decide an application still awaiting review; otherwise the service refuses it as stale."""

    application_id: int
    status: str
    reason: str = ""
    note: str = ""


def target(button: str | None) -> tuple[str, int | None]:
    """The action of a review button and the application id it names (None for /review or a bare `rv:next`)."""
    if not button:
        return "", None
    parts = button.split(":")
    action = parts[1] if len(parts) > 1 else ""
    raw = parts[3] if action == "r" and len(parts) > 3 else (parts[2] if len(parts) > 2 else "")
    return action, int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def _facts(ctx: FlowContext) -> dict[str, Any]:
    return ctx.facts.get(NAME) or {}


def _card(ctx: FlowContext, wanted: int | None = None) -> dict[str, Any] | None:
    card = _facts(ctx).get("card")
    if card is None or (wanted is not None and card.get("id") != wanted):
        return None
    return dict(card)


def _stale(state: ConversationState) -> FlowResult:
    return FlowResult(state, [Text("hint.stale_button")])


def show(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """/review: the oldest application awaiting review; a pending decision is dropped."""
    state = state.without_form(NAME)
    card = _card(ctx)
    if card is None:
        return FlowResult(state, [Text("review.empty")])
    return FlowResult(state, [card_text(card, int(_facts(ctx).get("queue", 0)))])


def on_button(state: ConversationState, button: str, ctx: FlowContext) -> FlowResult:
    """Any `rv:` button of a staff member."""
    action, app_id = target(button)
    if action == "next":
        return show(state, ctx)
    card = _card(ctx, app_id)
    if card is None:
        return _stale(state)
    if action == "card":
        return FlowResult(state.without_form(NAME), [card_text(card, int(_facts(ctx).get("queue", 0)))])
    if action == "photo":
        return FlowResult(state, _photo(card))
    if action == "docs":
        return FlowResult(state, _documents(card))
    if action == "x":
        back = InlineKeyboard(rows=((InlineButton(Label("review.button_back"), data=data("card", card["id"])),),))
        return FlowResult(state.without_form(NAME), [Text("review.decision_cancelled", {"number": card["number"]}, back)])
    refusal = _refusal(card, ctx)
    if refusal is not None:
        return FlowResult(state.without_form(NAME), [refusal])
    if action == "ok":
        return decide(state, _pending(card, "", ""), APPROVED, "")
    if action in DECISIONS:
        return FlowResult(state.without_form(NAME), [reason_menu(action, card)])
    if action == "r":
        return _choose_reason(state, card, button.split(":"))
    if action == "skip":
        return _skip(state, card)
    return _stale(state)


def _refusal(card: dict[str, Any], ctx: FlowContext) -> Text | None:
    """Why this staff member cannot decide now: decided already, or it is their own application."""
    if card["status"] != SUBMITTED:
        return Text("review.already_decided", {"number": card["number"], "status": status_label(card["status"])}, next_markup())
    if card.get("user_id") == ctx.user_id:
        return Text("review.own_application", {"number": card["number"]}, next_markup())
    return None


def _pending(card: dict[str, Any], decision: str, reason: str) -> dict[str, Any]:
    """What the note step needs to finish the decision without reloading the card."""
    return {
        "application_id": card["id"],
        "number": card["number"],
        "candidate": card["user_id"],
        "occupation": card["occupation"],
        "level": card["level"],
        "decision": decision,
        "reason": reason,
    }


def _choose_reason(state: ConversationState, card: dict[str, Any], parts: list[str]) -> FlowResult:
    decision = parts[2] if len(parts) > 2 else ""
    reason = parts[4] if len(parts) > 4 else ""
    if decision not in DECISIONS or reason not in REASONS[decision]:
        return _stale(state)
    progress = FormProgress(step=NOTE_STEP, values=_pending(card, decision, reason))
    return FlowResult(state.with_progress(NAME, progress), [_ask_note(progress.values)])


def _ask_note(pending: dict[str, Any]) -> Text:
    rows: list[tuple[InlineButton, ...]] = []
    if pending["reason"] != OTHER:
        rows.append((InlineButton(Label("review.button_no_note"), data=data("skip", pending["application_id"])),))
    rows.append((InlineButton(Label("review.button_cancel"), data=data("x", pending["application_id"])),))
    key = "review.ask_note_required" if pending["reason"] == OTHER else "review.ask_note"
    params = {"number": pending["number"], "reason": reason_label(pending["decision"], pending["reason"])}
    return Text(key, params, InlineKeyboard(rows=tuple(rows)))


def _skip(state: ConversationState, card: dict[str, Any]) -> FlowResult:
    progress = state.forms.get(NAME)
    if progress is None or progress.values.get("application_id") != card["id"] or progress.values.get("reason") == OTHER:
        return _stale(state)
    values = progress.values
    return decide(state, values, DECISIONS[values["decision"]], "")


def on_input(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """Input while a reject / supplement decision waits for the reviewer's note."""
    progress = state.forms.get(NAME)
    if progress is None or progress.step != NOTE_STEP:
        return FlowResult(state.without_form(NAME), [Text("hint.no_active_form")])
    values = progress.values
    if not isinstance(event, TextInput):
        return FlowResult(state, [Text("review.note_expected"), _ask_note(values)])
    note = " ".join(event.text.split())
    if not note:
        return FlowResult(state, [_ask_note(values)])
    if len(note) > NOTE_MAX:
        return FlowResult(state, [Text("review.note_too_long", {"limit": NOTE_MAX}), _ask_note(values)])
    return decide(state, values, DECISIONS[values["decision"]], note)


def decide(state: ConversationState, pending: dict[str, Any], status: str, note: str) -> FlowResult:
    """The decision effect, the reviewer's confirmation and the candidate's notice (in the candidate's language)."""
    app_id = int(pending["application_id"])
    reason = str(pending.get("reason") or "")
    params: dict[str, Any] = {
        "number": pending["number"],
        "occupation": pending["occupation"],
        "level": level_label(pending["level"]),
        "reason": reason_label(pending["decision"], reason) if reason else "",
        "note": note,
    }
    replies: list[Reply] = [Text(f"review.done_{status}", params, next_markup())]
    markup = None if status == APPROVED else fix_markup(app_id)
    replies.append(Text(f"review.notify_{status}", params, markup, chat_id=int(pending["candidate"])))
    effect = ReviewDecision(application_id=app_id, status=status, reason=reason, note=note)
    return FlowResult(state.without_form(NAME), replies, [effect])


def refuse_stale(state: ConversationState, ctx: FlowContext, number: str, status: str) -> FlowResult:
    """Another staff member decided first (found when the decision was applied)."""
    refusal = Text("review.already_decided", {"number": number, "status": status_label(status)}, next_markup())
    return FlowResult(state.without_form(NAME), [refusal])


def cancel(state: ConversationState) -> FlowResult:
    """/cancel while a decision waits for its note."""
    return FlowResult(state.without_form(NAME), [Text("review.decision_cancelled_plain")])


def _photo(card: dict[str, Any]) -> list[Reply]:
    photo = card.get("photo") or {}
    if not photo.get("file_id"):
        return [Text("review.no_photo", {"number": card["number"]})]
    caption = Label("review.photo_caption", {"number": card["number"], "name": card["name"]})
    return [Photo(file_id=str(photo["file_id"]), caption=caption)]


def _documents(card: dict[str, Any]) -> list[Reply]:
    items = [d for d in card.get("documents") or [] if isinstance(d, dict) and d.get("file_id")]
    if not items:
        return [Text("review.no_documents", {"number": card["number"]})]
    replies: list[Reply] = []
    for index, item in enumerate(items, start=1):
        caption = Label("review.document_caption", {"number": card["number"], "index": index, "count": len(items)})
        if item.get("kind") == "photo":
            replies.append(Photo(file_id=str(item["file_id"]), caption=caption))
        else:
            replies.append(Document(file_id=str(item["file_id"]), caption=caption))
    return replies
