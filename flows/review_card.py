"""What a reviewer sees: the application card (masked), its buttons, reason templates and status labels."""

from __future__ import annotations

from typing import Any

from flows.replies import InlineButton, InlineKeyboard, Label, Text

PREFIX = "rv"  # callback-data namespace of the review queue
SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
NEEDS_SUPPLEMENT = "needs_supplement"
WITHDRAWN = "withdrawn"
STATUSES = (SUBMITTED, APPROVED, REJECTED, NEEDS_SUPPLEMENT, WITHDRAWN)
FIXABLE = (REJECTED, NEEDS_SUPPLEMENT)

# Reason templates per decision (button code → `review.reason_<decision>.<code>`); "other" needs free text.
REJECT = "no"
SUPPLEMENT = "sup"
DECISIONS = {REJECT: REJECTED, SUPPLEMENT: NEEDS_SUPPLEMENT}
REASONS: dict[str, tuple[str, ...]] = {
    REJECT: ("not_eligible", "unclear", "photo", "duplicate", "other"),
    SUPPLEMENT: ("documents", "unclear", "photo", "years", "other"),
}
OTHER = "other"


def data(action: str, *args: object) -> str:
    """Callback data `rv:<action>[:arg…]` (stays far below Telegram's 64 bytes)."""
    return ":".join([PREFIX, action, *(str(a) for a in args)])


def reason_label(decision: str, code: str) -> Label:
    """The localized reason template of a reject/supplement decision."""
    return Label(f"review.reason_{decision}.{code}")


def status_label(status: str) -> Label:
    """Localized application status."""
    return Label(f"application_status.{status}" if status in STATUSES else "application_status.unknown")


def level_label(level: Any) -> Label:
    """Localized certification level (五级 … 一级)."""
    return Label(f"level.{level}")


def subjects_label(subjects: list[str]) -> Label:
    """Localized subject combination, e.g. 理论 + 实操."""
    return Label("apply.subjects_" + "_".join(subjects)) if subjects else Label("review.none")


def held_lines(held: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Currently held certificates as display rows (kind, level, name, number, date, issuer)."""
    rows = []
    for item in held:
        kind = str(item.get("kind") or "none")
        level = item.get("level")
        if kind == "title":
            level_text: Any = Label(f"title_level.{level}") if level else ""
        else:
            level_text = level_label(level) if level else ""
        rows.append(
            {
                "kind": Label(f"held.{kind}"),
                "level": level_text,
                "name": item.get("name") or "",
                "number": item.get("number") or "",
                "date": item.get("date") or "",
                "issuer": item.get("issuer") or "",
            }
        )
    return rows


def card_params(card: dict[str, Any], queue: int) -> dict[str, Any]:
    """Template parameters of the card; identity numbers arrive already masked from the service."""
    return {
        "number": card["number"],
        "status": status_label(card["status"]),
        "queue": queue,
        "occupation": card["occupation"],
        "work_type": card.get("work_type") or "",
        "level": level_label(card["level"]),
        "name": card["name"],
        "gender": Label(f"gender.{card['gender']}") if card.get("gender") in ("male", "female") else "",
        "birth": card.get("birth") or "",
        "id_type": Label(f"id_type.{card['id_type']}"),
        "id_number": card["id_masked"],
        "mobile": card["mobile_masked"],
        "category": Label(f"category.{card['category']}"),
        "work_unit": card.get("work_unit") or "",
        "education": Label(f"education.{card['education']}"),
        "major": card.get("major") or "",
        "held": held_lines(card.get("held") or []),
        "post": card.get("post") or "",
        "years": _years(card.get("years")),
        "subjects": subjects_label(card.get("subjects") or []),
        "submitted": card.get("submitted") or "",
        "photo": 1 if card.get("photo") else 0,
        "documents": len(card.get("documents") or []),
        "previous_note": card.get("note") or "",
    }


def _years(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if value is not None else ""


def card_markup(card: dict[str, Any]) -> InlineKeyboard:
    """Decision buttons while the application awaits review, then photo / documents / next."""
    app_id = card["id"]
    rows: list[tuple[InlineButton, ...]] = []
    if card["status"] == SUBMITTED:
        rows.append(
            (
                InlineButton(Label("review.button_approve"), data=data("ok", app_id)),
                InlineButton(Label("review.button_reject"), data=data(REJECT, app_id)),
            )
        )
        rows.append((InlineButton(Label("review.button_supplement"), data=data(SUPPLEMENT, app_id)),))
    files = []
    if card.get("photo"):
        files.append(InlineButton(Label("review.button_photo"), data=data("photo", app_id)))
    if card.get("documents"):
        files.append(InlineButton(Label("review.button_documents", {"count": len(card["documents"])}), data=data("docs", app_id)))
    if files:
        rows.append(tuple(files))
    rows.append((InlineButton(Label("review.button_next"), data=data("next", app_id)),))
    return InlineKeyboard(rows=tuple(rows))


def card_text(card: dict[str, Any], queue: int) -> Text:
    """The whole card with its buttons."""
    return Text("review.card", card_params(card, queue), card_markup(card))


def reason_menu(decision: str, card: dict[str, Any]) -> Text:
    """Reason templates of a reject / supplement decision, and a way back to the card."""
    rows = [
        (InlineButton(reason_label(decision, code), data=data("r", decision, card["id"], code)),)
        for code in REASONS[decision]
    ]
    rows.append((InlineButton(Label("review.button_back"), data=data("card", card["id"])),))
    return Text(f"review.choose_reason_{decision}", {"number": card["number"]}, InlineKeyboard(rows=tuple(rows)))


def next_markup() -> InlineKeyboard:
    """A single "next application" button."""
    return InlineKeyboard(rows=((InlineButton(Label("review.button_next"), data=data("next")),),))
