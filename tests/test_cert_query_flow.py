"""The certificate query conversation as pure flow code: values one by one, one-shot pairs, answers, limits; fuzzed."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import I18n
from bot.outgoing import localize
from bot.rules.cert_numbers import format_k2
from bot.rules.cert_query import ID, NAME, NUMBER, QueryValue, make_pair
from bot.rules.id_numbers import make_resident_id
from flows import cert_query as flow
from flows import commands
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, ContactShared, Event, TextInput
from flows.replies import InlineKeyboard, Text
from flows.state import ConversationState

USER = 5
NUMBER_K2 = format_k2("S", "0000", "36", "010027", 2019, 5, 123)
RESIDENT = make_resident_id("360102", date(1990, 5, 20), 123)
MASKED = RESIDENT[:4] + "*" * 10 + RESIDENT[-4:]
CARD: dict[str, Any] = {
    "status": "valid", "reason": "", "name": "张三", "id_type": "201", "id_number": MASKED, "occupation": "电工",
    "work_type": "维修电工", "level": 5, "number": NUMBER_K2, "issue_date": "2019-06-30", "evaluator": "南昌技师学院",
    "issuer": "南昌技师学院",
}


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


def ctx(facts: dict[str, Any] | None = None) -> FlowContext:
    return FlowContext(USER, USER, "candidate", "zh_CN", datetime(2026, 11, 23, 2, tzinfo=timezone.utc), {"cert": facts or {}})


def looked_up(values: list[QueryValue], outcome: str = "found", certificates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pair = make_pair(*values)
    assert pair is not None
    return {"limited_until": None, "lookup": {"pair": pair.key(), "outcome": outcome, "certificates": certificates or []}}


def keys(result: FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


def datas(result: FlowResult) -> list[str]:
    markup = result.replies[-1].markup if result.replies else None
    assert isinstance(markup, InlineKeyboard)
    return [b.data or "" for row in markup.rows for b in row]


def rendered(i18n: I18n, result: FlowResult, locale: str = "zh_CN") -> list[str]:
    return [o.text for o in localize(i18n, locale, USER, result.replies)]


def run(state: ConversationState, event: Event, facts: dict[str, Any] | None = None) -> FlowResult:
    """What the services do: commands and cq buttons to the flow, anything else through the generic input path."""
    if isinstance(event, Command) and event.name == "cancel":
        return commands.cancel(state, ctx(facts))
    if isinstance(event, Command):
        return flow.command(state, event, ctx(facts))
    if isinstance(event, ButtonPress) and event.data.startswith(flow.PREFIX + ":"):
        return flow.on_button(state, event.data, ctx(facts))
    return commands.on_input(state, event, ctx(facts))


def test_values_one_by_one_then_the_search_button(i18n: I18n) -> None:
    started = run(ConversationState(), Command("cert"))
    assert keys(started) == ["cert.ask_first"] and started.state.active == flow.NAME
    named = run(started.state, TextInput(" 张 三 "))
    assert keys(named) == ["cert.got"]
    assert rendered(i18n, named) == ["已收到持证人姓名。请再发送证书编号或证件号码。"]
    assert rendered(i18n, named, "en") == ["Received the holder's name. Now send the certificate number or ID number."]
    event = TextInput(NUMBER_K2.lower())
    assert flow.pair_for(named.state, event) == make_pair(QueryValue(NAME, "张三"), QueryValue(NUMBER, NUMBER_K2))
    ready = run(named.state, event)  # the generic input path: no lookup was done for this pair
    assert keys(ready) == ["cert.ready"] and datas(ready) == [flow.GO, flow.NEW]
    assert "证书编号和持证人姓名" in rendered(i18n, ready)[0]
    pair_values = [QueryValue(NAME, "张三"), QueryValue(NUMBER, NUMBER_K2)]
    assert flow.pair_for(ready.state, ButtonPress(flow.GO)) == make_pair(*pair_values)
    answer = run(ready.state, ButtonPress(flow.GO), looked_up(pair_values, certificates=[CARD]))
    assert keys(answer) == ["cert.card"] and datas(answer) == [flow.NEW]
    assert answer.state.active is None and flow.NAME not in answer.state.forms
    text = rendered(i18n, answer)[0]
    for part in ("✅ 证书有效", "张三", "居民身份证 " + MASKED, "电工（工种/职业方向：维修电工）", "五级/初级工", NUMBER_K2, "2019-06-30"):
        assert part in text
    assert RESIDENT not in text
    assert "Valid certificate" in rendered(i18n, answer, "en")[0]


def test_a_pair_completed_by_typing_is_answered_when_the_service_looked_it_up() -> None:
    named = run(run(ConversationState(), Command("cert")).state, TextInput("张三"))
    values = [QueryValue(NAME, "张三"), QueryValue(ID, RESIDENT)]
    answer = run(named.state, TextInput(RESIDENT.lower()), looked_up(values, certificates=[CARD]))
    assert keys(answer) == ["cert.card"] and answer.state.active is None


def test_facts_of_another_pair_are_never_shown() -> None:
    named = run(run(ConversationState(), Command("cert")).state, TextInput("张三"))
    other = looked_up([QueryValue(NAME, "李四"), QueryValue(NUMBER, NUMBER_K2)], certificates=[CARD])
    result = run(named.state, TextInput(NUMBER_K2), other)
    assert keys(result) == ["cert.ready"]


def test_same_kind_twice_and_unrecognized_values_are_explained(i18n: I18n) -> None:
    named = run(run(ConversationState(), Command("cert")).state, TextInput("张三"))
    again = run(named.state, TextInput("李四"))
    assert keys(again) == ["cert.same_kind"] and again.state == named.state
    assert rendered(i18n, again) == ["这同样是持证人姓名，查询需要两项不同的信息。请发送证书编号或证件号码。"]
    bad = run(named.state, TextInput(RESIDENT[:-1] + ("0" if RESIDENT[-1] != "0" else "1")))
    assert keys(bad) == ["cert.hint"] and bad.state == named.state
    assert "校验不通过" in rendered(i18n, bad)[0] and "请发送证书编号或证件号码" in rendered(i18n, bad)[0]
    nonsense = run(named.state, TextInput("???"))
    assert "没有识别出" in rendered(i18n, nonsense)[0]
    contact = run(named.state, ContactShared("+8613800138000", True))
    assert keys(contact) == ["cert.expected_text"] and contact.state == named.state
    stale = run(named.state, ButtonPress("fm:c:level:4"))
    assert keys(stale) == ["hint.stale_button"]


def test_two_values_in_one_message_during_the_conversation() -> None:
    started = run(ConversationState(), Command("cert"))
    values = [QueryValue(NUMBER, NUMBER_K2), QueryValue(ID, RESIDENT)]
    answer = run(started.state, TextInput(f"{NUMBER_K2}，{RESIDENT}"), looked_up(values, "nomatch"))
    assert keys(answer) == ["cert.no_match"] and datas(answer) == [flow.NEW]


def test_one_shot_in_both_orders_and_with_one_value(i18n: I18n) -> None:
    values = [QueryValue(NAME, "张三"), QueryValue(NUMBER, NUMBER_K2)]
    for args in (f"张三 {NUMBER_K2}", f"{NUMBER_K2.lower()}，张三"):
        event = Command("cert", args)
        assert flow.pair_for(ConversationState(), event) == make_pair(*values)
        answer = run(ConversationState(), event, looked_up(values, certificates=[CARD]))
        assert keys(answer) == ["cert.card"] and answer.state.active is None
    single = run(ConversationState(), Command("cert", RESIDENT))
    assert keys(single) == ["cert.got"] and single.state.active == flow.NAME
    assert flow.pair_for(ConversationState(), Command("cert", RESIDENT)) is None
    wrong = run(ConversationState(), Command("cert", f"{RESIDENT} {RESIDENT}"))
    assert keys(wrong) == ["cert.same_kind_pair"] and wrong.state.active == flow.NAME
    unclear = run(ConversationState(), Command("cert", "???"))
    assert keys(unclear) == ["cert.hint"] and unclear.state.active == flow.NAME
    assert "请发送证书编号、持证人姓名或证件号码" in rendered(i18n, unclear)[0]


def test_several_certificates_revoked_and_deleted(i18n: I18n) -> None:
    values = [QueryValue(NAME, "张三"), QueryValue(ID, RESIDENT)]
    revoked = {**CARD, "number": "S000036010027204000001", "level": 4, "status": "revoked", "reason": "证书转借他人"}
    facts = looked_up(values, certificates=[CARD, revoked, {"status": "deleted"}])
    answer = run(ConversationState(), Command("cert", f"张三 {RESIDENT}"), facts)
    assert keys(answer) == ["cert.found_many", "cert.card", "cert.card", "cert.deleted"]
    texts = rendered(i18n, answer)
    assert texts[0] == "找到 3 本证书："
    assert "⛔ 证书已撤销（原因：证书转借他人）" in texts[2] and "四级/中级工" in texts[2]
    assert "已被注销" in texts[3] and datas(answer) == [flow.NEW]
    only_deleted = run(ConversationState(), Command("cert", f"张三 {RESIDENT}"), looked_up(values, "deleted", [{"status": "deleted"}]))
    assert keys(only_deleted) == ["cert.deleted"]
    no_reason = run(ConversationState(), Command("cert", f"张三 {RESIDENT}"), looked_up(values, certificates=[{**revoked, "reason": ""}]))
    assert "原因：未注明" in rendered(i18n, no_reason)[0]


def test_a_limited_user_is_refused_at_the_start_and_at_the_pair(i18n: I18n) -> None:
    limited = {"limited_until": "2026-11-23 11:01", "lookup": None}
    refused = run(ConversationState(), Command("cert"), limited)
    assert keys(refused) == ["cert.limited"] and refused.state.active is None
    assert rendered(i18n, refused) == ["查询失败次数过多。为保护持证人信息，请于 2026-11-23 11:01（北京时间）之后再查询。"]
    named = run(run(ConversationState(), Command("cert")).state, TextInput("张三"))
    at_pair = run(named.state, TextInput(NUMBER_K2), limited)
    assert keys(at_pair) == ["cert.limited"] and at_pair.state.active is None


def test_cancel_buttons_and_stale_buttons() -> None:
    named = run(run(ConversationState(), Command("cert")).state, TextInput("张三"))
    cancelled = run(named.state, Command("cancel"))
    assert keys(cancelled) == ["cert.cancelled"] and cancelled.state.active is None and not cancelled.state.forms
    assert keys(run(named.state, ButtonPress(flow.GO))) == ["hint.stale_button"]
    assert flow.pair_for(named.state, ButtonPress(flow.GO)) is None
    restarted = run(named.state, ButtonPress(flow.NEW))
    assert keys(restarted) == ["cert.ask_first"] and restarted.state.forms[flow.NAME].values == {}
    assert keys(run(ConversationState(), ButtonPress(flow.GO))) == ["hint.stale_button"]


def test_other_forms_are_not_disturbed() -> None:
    assert flow.pair_for(ConversationState(), TextInput(f"张三 {NUMBER_K2}")) is None  # no query active
    assert keys(run(ConversationState(), TextInput("张三"))) == ["hint.no_active_form"]


def test_verification_shows_the_masked_record(i18n: I18n) -> None:
    facts = {"result": "ok", **{**CARD, "name": "张*"}}
    shown = flow.verified(ConversationState(), ctx(), facts)
    text = rendered(i18n, shown)[0]
    assert text.startswith("证书核验：✅ 证书有效") and "张*" in text and MASKED in text and NUMBER_K2 in text
    assert keys(flow.verified(ConversationState(), ctx(), {"result": "invalid"})) == ["cert.verify_invalid"]
    assert keys(flow.verified(ConversationState(), ctx(), {"result": "deleted"})) == ["cert.verify_deleted"]
    revoked = flow.verified(ConversationState(), ctx(), {**facts, "status": "revoked", "reason": "伪造"})
    assert "已撤销（原因：伪造）" in rendered(i18n, revoked)[0]
    assert "Certificate check" in rendered(i18n, shown, "en")[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(["张三", NUMBER_K2, RESIDENT, flow.GO, flow.NEW, "/cert"])), max_size=6))
def test_any_sequence_of_inputs_is_answered(inputs: list[str]) -> None:
    state = run(ConversationState(), Command("cert")).state
    for raw in inputs:
        if raw in (flow.GO, flow.NEW):
            event: Event = ButtonPress(raw)
        elif raw.startswith("/cert"):
            event = Command("cert", raw[5:])
        else:
            event = TextInput(raw)
        result = run(state, event)
        assert result.replies and not result.effects
        state = result.state
