"""The pure /assign flow (DOMAIN A4, C10): argument parsing, what a batch still lacks, the list and the view's buttons."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from bot.i18n import I18n
from flows import assign
from flows.batch_card import ASSIGN_VIEW, Action, data, parse
from flows.context import FlowContext
from flows.replies import InlineKeyboard, Label, Text
from flows.state import ConversationState

CTX = FlowContext(1, 1, "staff", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc))


def card(batch_id: int = 7, chiefs: tuple[str, ...] = ("王", ""), deputies: tuple[str, ...] = ("", ""),
         supervisor: str = "", assessors: tuple[str, ...] = (), unseated: int = 0) -> dict[str, Any]:
    """Batch card facts (bot.services.batches.card) with one room per entry of `chiefs`, alternating sittings."""
    rooms = [{"id": 10 + i, "name": f"R{i}", "kind": "desk", "capacity": 5, "seated": 0, "chief": c, "deputy": d}
             for i, (c, d) in enumerate(zip(chiefs, deputies))]
    when = {"date": "2026-12-04", "start": "09:00", "end": "11:00", "site": "A"}
    sessions = [{"id": 1, "subject": "theory", **when, "rooms": rooms[:1]},
                {"id": 2, "subject": "practical", **when, "rooms": rooms[1:]}]
    return {"id": batch_id, "name": f"批次{batch_id}", "level": 4, "status": "planned", "date": "2026-12-04", "sessions": sessions,
            "assessors": list(assessors), "supervisor": supervisor, "approved": 2, "tickets": 0, "issued": 0, "unplaced": 0,
            "unseated": unseated, "issued_at": ""}


def callbacks(keyboard: object) -> list[str]:
    assert isinstance(keyboard, InlineKeyboard)
    return [b.data or "" for row in keyboard.rows for b in row]


@pytest.mark.parametrize(("args", "expected"), [
    ("", None), ("   ", None), ("7", 7), ("#7", 7), ("＃７", 7), (" 12 ", 12), ("0", "0"), ("2026 冬季  电工", "2026 冬季 电工"),
    ("1" * 13, "1" * 13),
])
def test_the_argument_is_nothing_an_id_or_a_name(args: str, expected: object) -> None:
    assert assign.parse_target(args) == expected


def test_missing_counts_rooms_without_chief_or_deputy_and_the_batch_examiners_and_seats() -> None:
    lack = assign.missing(card(unseated=3))
    assert lack == assign.Missing(chiefs=1, deputies=2, supervisor=True, assessors=True, unseated=3) and lack.any()
    full = card(chiefs=("王", "李"), deputies=("赵", "钱"), supervisor="孙", assessors=("周",))
    assert assign.missing(full) == assign.Missing() and not assign.missing(full).any()
    assert assign.missing({**full, "unseated": 1}).any()


def test_summary_names_only_what_is_missing() -> None:
    assert assign.summary(assign.Missing(chiefs=2, unseated=1)) == [
        Label("assign.missing_chiefs", {"count": 2}), Label("assign.missing_unseated", {"count": 1})]
    assert [x.key for x in assign.summary(assign.Missing(deputies=1, supervisor=True, assessors=True))] == [
        "assign.missing_deputies", "assign.missing_assessors", "assign.missing_supervisor"]
    assert assign.summary(assign.Missing()) == []


def test_the_list_keeps_batches_with_missing_work_else_offers_recent_ones() -> None:
    done = card(8, chiefs=("王", "李"), deputies=("赵", "钱"), supervisor="孙", assessors=("周",))
    (text,) = assign.listing(ConversationState(), CTX, [card(7), done], []).replies
    assert isinstance(text, Text) and text.key == "assign.list" and [i["id"] for i in text.params["items"]] == [7]
    assert callbacks(text.markup) == ["bt:show:7:as"]
    recent = [{"id": 8, "name": "批次8", "level": 4, "date": "2026-12-04", "status": "planned"}]
    (text,) = assign.listing(ConversationState(), CTX, [done], recent).replies
    assert isinstance(text, Text) and text.key == "assign.all_done" and callbacks(text.markup) == ["bt:show:8:as"]
    (text,) = assign.listing(ConversationState(), CTX, [], []).replies
    assert isinstance(text, Text) and text.key == "assign.no_batches" and text.markup is None


def test_the_view_reuses_the_card_actions_marked_with_the_view() -> None:
    notice = Text("batch.assigned_plain", {"person": "孙", "role": Label("batch.slot_supervisor")})
    first, view = assign.view(ConversationState(), CTX, card(unseated=2), notice).replies
    assert first == notice and isinstance(view, Text) and view.key == "assign.view"
    assert callbacks(view.markup) == ["bt:room:10:as", "bt:room:11:as", "bt:asr:7:as", "bt:sup:7:as", "bt:seat:7:as",
                                      "bt:show:7", "bt:list:as"]
    assert all(parse(d) is not None for d in callbacks(view.markup))
    (view,) = assign.view(ConversationState(), CTX, card(), None).replies
    assert "bt:seat:7:as" not in callbacks(view.markup)
    (gone,) = assign.view(ConversationState(), CTX, None).replies
    assert isinstance(gone, Text) and gone.key == "batch.not_found"


def test_card_buttons_carry_the_view_and_nothing_else() -> None:
    assert data("chief", 12, 900001, view=ASSIGN_VIEW) == "bt:chief:12:900001:as"
    assert parse("bt:chief:12:900001:as") == Action("chief", (12, 900001), ASSIGN_VIEW)
    assert parse("bt:list:as") == Action("list", (), ASSIGN_VIEW) and parse("bt:show:3") == Action("show", (3,))
    for bad in ("bt:chief:12:as", "bt:show:3:xx", "bt:show:3:as:as", "bt:list:as:1", "bt:show:as"):
        assert parse(bad) is None, bad


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_view_and_list_render_in_both_locales(locale: str) -> None:
    i18n = I18n()
    (view,) = assign.view(ConversationState(), CTX, card(unseated=2)).replies
    assert isinstance(view, Text)
    rendered = i18n.render(locale, view.key, view.params)
    assert "R0" in rendered and "王" in rendered and i18n.render(locale, "batch.unassigned") in rendered
    (listed,) = assign.listing(ConversationState(), CTX, [card(unseated=2)], []).replies
    assert isinstance(listed, Text)
    assert i18n.render(locale, "assign.missing_unseated", {"count": 2}) in i18n.render(locale, listed.key, listed.params)
