"""Incident reports (V1–V5): catalogue and sanctions, the report form, V5 order and who may sign and approve, the
version guard, bans with their end date and kind, appeals, eligibility refusal of a banned candidate, V4 revocation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App
from bot.i18n import I18n
from bot.normalize import id_like
from bot.rules import eligibility
from bot.rules.eligibility import add_years
from bot.rules.violations import BAN_2Y, BAN_5Y, CANCEL_ALL_YEAR, CANCEL_SUBJECT, CATALOGUE, RULES, allowed, ban_kind, ban_until
from bot.services import incident_facts, incidents
from bot.services.application_facts import apply_facts
from flows import apply as apply_flow
from flows import commands, engine
from flows import incident as flow
from flows import incident_card as card_flow
from flows.context import FlowContext
from flows.events import ButtonPress, FileInput, TextInput
from flows.incident import DecideIncident, ReportIncident
from flows.replies import Text
from flows.state import ConversationState, FormProgress
from storage.models import AuditLog, Ban, Certificate, Incident, Notification, UserAccount
from tests.support.applications import ID_NUMBER, add_user
from tests.support.catalog import open_announcement
from tests.support.incident_exam import Sitting, running_sitting

CHIEF, DEPUTY, ASSESSOR, OTHER_PROCTOR = 650001, 650002, 650003, 650004
STAFF_A, STAFF_B, STAFF_C = 650101, 650102, 650103
CANDIDATE = 651001
TODAY = datetime.now(timezone.utc).date()
DATA_KEY_PROBLEMS = ("format", "lookup", "unknown", "void", "no_sitting", "not_assigned", "moved", "invalid_qr", "sanction",
                     "too_long", "photo_only")
REFUSALS = ("not_found", "changed", "status", "own_report", "not_examiner", "not_room_head", "not_allowed", "appeal_closed",
            "incomplete", "certificate_changed", "sanction", "void", "moved", "not_assigned")


# ---- catalogue, labels and callback data (pure) ----

def test_every_catalogue_entry_has_its_wording_short_label_and_sanctions_in_both_locales() -> None:
    i18n = I18n()
    for locale in ("zh_CN", "en"):
        for violation in CATALOGUE:
            for key in (f"violation.{violation.code}", f"violation_short.{violation.code}"):
                assert i18n.has(locale, key), f"{locale} lacks {key}"
            for sanction in violation.sanctions:
                assert i18n.has(locale, f"sanction.{sanction}")
        for rule in RULES:
            assert i18n.has(locale, f"incident.rule.{rule}") and i18n.has(locale, f"incident.reason.{rule}")
            assert i18n.has(locale, f"incident.ask_item_{rule}")
        for code in DATA_KEY_PROBLEMS:
            assert i18n.has(locale, f"incident.problem.{code}")
        for code in REFUSALS:
            assert i18n.has(locale, f"incident.refused.{code}")
        for status in card_flow.STATUSES:
            assert i18n.has(locale, f"incident.status.{status}")
        for status in card_flow.APPEAL_STATUSES:
            assert i18n.has(locale, f"incident.appeal_status.{status}")
        for action in card_flow.NOTE_ACTIONS:
            assert i18n.has(locale, f"incident.decided.{action}") and i18n.has(locale, f"incident.note_intro.{action}")
    assert i18n.render("zh_CN", "violation.V2.device").startswith("在评价过程中使用规定以外的带拍照、存储、传输或通讯功能的电子设备")
    assert i18n.label("zh_CN", card_flow.article_label("V2.device")) == "《技能人才评价违纪违规行为处理工作指引》第六条第（一）项"
    assert i18n.label("zh_CN", card_flow.article_label("V3.grave")).endswith("第七条第（七）项")
    assert i18n.label("en", card_flow.article_label("V1.other")).endswith("article 5, item (4)")


def test_sanctions_map_to_rules_and_bans() -> None:
    by_rule = {rule: {s for v in CATALOGUE if v.rule == rule for s in v.sanctions} for rule in RULES}
    assert by_rule == {"V1": {CANCEL_SUBJECT}, "V2": {CANCEL_ALL_YEAR}, "V3": {BAN_2Y, BAN_5Y}}
    assert not allowed("V1.seat", BAN_5Y) and allowed("V3.impersonation", BAN_5Y) and not allowed("V9.x", CANCEL_SUBJECT)
    assert [ban_kind(s) for s in (CANCEL_SUBJECT, CANCEL_ALL_YEAR, BAN_2Y, BAN_5Y)] == [None, "V2", "V3", "V3"]
    assert ban_until(CANCEL_SUBJECT, date(2026, 6, 15)) is None
    assert ban_until(CANCEL_ALL_YEAR, date(2026, 6, 15)) == date(2026, 12, 31)
    # the same rule as the eligibility check (民法典 §201–202: counted from the next day, ending on the same date)
    assert ban_until(BAN_2Y, date(2026, 6, 15)) == date(2028, 6, 15)
    assert ban_until(BAN_5Y, date(2026, 6, 15)) == date(2031, 6, 15)
    assert ban_until(BAN_2Y, date(2028, 2, 29)) == date(2030, 2, 28)


def test_callback_data_round_trips_short_and_malformed_data_is_refused() -> None:
    for action in card_flow.ACTIONS:
        version = 12 if action in card_flow.VERSIONED else None
        raw = card_flow.data(action, 999_999_999, version)
        assert len(raw.encode()) <= 64
        assert card_flow.parse(raw) == card_flow.Action(action, 999_999_999, version)
    for bad in ("in:ok:5", "in:show:5:1", "in:zap:5", "in:ok:x:1", "in:sign:5:", "ca:ok:5:1", "in:ok:５:1", "in"):
        assert card_flow.parse(bad) is None, bad


def test_the_sitting_chosen_is_the_running_one_else_the_latest_started_else_one_later_today() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)  # 11:00 in Beijing
    morning = (now - timedelta(hours=2), now - timedelta(minutes=30), "morning")
    running = (now - timedelta(minutes=10), now + timedelta(hours=1), "running")
    afternoon = (now + timedelta(hours=3), now + timedelta(hours=5), "afternoon")
    tomorrow = (now + timedelta(days=1), now + timedelta(days=1, hours=2), "tomorrow")
    assert incident_facts.pick_sitting([morning, running, afternoon], now, tz) == "running"
    assert incident_facts.pick_sitting([morning, afternoon], now, tz) == "morning"
    assert incident_facts.pick_sitting([afternoon, tomorrow], now, tz) == "afternoon"
    assert incident_facts.pick_sitting([tomorrow], now, tz) is None


def test_ticket_numbers_are_normalized() -> None:
    assert flow.ticket_query("２６０００ １４０００１") == "26000140001"
    assert flow.ticket_query(" 2600-0140-001 ") == "26000140001"
    assert flow.ticket_query("abc") is None and flow.ticket_query("123") is None


# ---- the report form (pure) ----

CANDIDATE_FACTS = {"ticket_id": 1, "number": "26000140001", "name": "张*", "batch": "B", "session_id": 2, "room_id": 3,
                   "room": "301", "seat": 7, "kind": "desk", "subject": "theory", "date": "2026-06-15",
                   "time": "09:00-10:30", "site": "1号楼"}


def ctx(role: str = "proctor", **facts: Any) -> FlowContext:
    base = {flow.NAME: {"next_number": "WJ2026-000001"}}
    return FlowContext(CHIEF, CHIEF, role, "zh_CN", datetime.now(timezone.utc), {**base, **facts})


def keys(result: engine.FlowResult) -> list[str]:
    return [r.key for r in result.replies if isinstance(r, Text)]


def step_of(state: ConversationState) -> str:
    progress = state.forms[flow.NAME]
    return progress.step


def test_the_report_form_end_to_end_with_bad_input_kept_and_a_v3_severity() -> None:
    state = flow.start_report(ConversationState(), ctx()).state
    assert step_of(state) == flow.CANDIDATE
    bad = commands.on_input(state, TextInput("我不知道"), ctx())
    assert "incident.problem.format" in keys(bad) and step_of(bad.state) == flow.CANDIDATE
    unknown = commands.on_input(state, TextInput("26000140009"),
                                ctx(**{flow.LOOKUP: {"query": "26000140009", "problem": "unknown", "params": {"number": "26000140009"}}}))
    assert "incident.problem.unknown" in keys(unknown)
    found = {flow.LOOKUP: {"query": "26000140001", "candidate": CANDIDATE_FACTS}}
    state = commands.on_input(state, TextInput("２６０００１４０００１"), ctx(**found)).state
    assert step_of(state) == flow.RULE
    state = commands.on_input(state, ButtonPress("fm:c:rule:V3"), ctx()).state
    assert step_of(state) == "item_V3"
    state = commands.on_input(state, ButtonPress("fm:c:item_V3:V3.impersonation"), ctx()).state
    assert step_of(state) == flow.SEVERITY
    state = commands.on_input(state, ButtonPress("fm:c:severity:serious"), ctx()).state
    too_long = commands.on_input(state, TextInput("很" * 1001), ctx())
    assert "incident.problem.too_long" in keys(too_long) and step_of(too_long.state) == flow.DESCRIPTION
    state = commands.on_input(state, TextInput("替考：持他人准考证入场。\n已暂停其考试。"), ctx()).state
    assert state.forms[flow.NAME].values[flow.DESCRIPTION] == "替考：持他人准考证入场。\n已暂停其考试。"
    document = commands.on_input(state, FileInput("document", "BQ-1", "u-1"), ctx())
    assert "incident.problem.photo_only" in keys(document)
    for i in range(6):
        state = commands.on_input(state, FileInput("photo", f"AgAC-{i}", f"u-{i}"), ctx()).state
    assert len(state.forms[flow.NAME].values[flow.EVIDENCE]) == flow.MAX_PHOTOS
    summary = commands.on_input(state, ButtonPress("fm:done"), ctx())
    assert step_of(summary.state) == engine.SUMMARY
    done = commands.on_input(summary.state, ButtonPress("fm:ok"), ctx())
    (effect,) = done.effects
    assert isinstance(effect, ReportIncident)
    assert (effect.number, effect.code, effect.sanction, effect.ticket_id) == ("WJ2026-000001", "V3.impersonation", BAN_5Y, 1)
    assert effect.evidence == tuple(f"AgAC-{i}" for i in range(5)) and flow.NAME not in done.state.forms


def test_changing_the_rule_drops_the_old_item_and_v1_v2_need_no_severity() -> None:
    values = {flow.RULE: "V1", "item_V1": "V1.noise"}
    assert flow.sanction_of(values) == CANCEL_SUBJECT
    assert flow.sanction_of({flow.RULE: "V2", "item_V1": "V1.noise"}) == ""
    assert flow.sanction_of({flow.RULE: "V3", "item_V3": "V3.leak", flow.SEVERITY: "minor"}) == BAN_2Y
    progress = FormProgress(step=engine.SUMMARY, values={flow.CANDIDATE: CANDIDATE_FACTS, flow.RULE: "V1", "item_V1": "V1.noise",
                                                         flow.DESCRIPTION: "x", flow.EVIDENCE: []})
    state = ConversationState().with_progress(flow.NAME, progress)
    state = commands.on_input(state, ButtonPress("fm:e:rule"), ctx()).state
    state = commands.on_input(state, ButtonPress("fm:c:rule:V2"), ctx()).state
    assert step_of(state) == "item_V2" and "item_V1" not in state.forms[flow.NAME].values


def test_only_examiners_and_staff_may_report_and_a_candidate_problem_blocks_submission() -> None:
    assert "incident.not_allowed" in keys(flow.start_report(ConversationState(), ctx(role="candidate")))
    progress = FormProgress(step=engine.SUMMARY, values={flow.CANDIDATE: CANDIDATE_FACTS, flow.RULE: "V1", "item_V1": "V1.noise",
                                                         flow.DESCRIPTION: "x", flow.EVIDENCE: []})
    state = ConversationState().with_progress(flow.NAME, progress)
    moved = ctx(**{flow.NAME: {"next_number": "WJ2026-000001", "problem": "moved", "params": {"number": "1"}}})
    blocked = commands.on_input(state, ButtonPress("fm:ok"), moved)
    assert "incident.problem.moved" in keys(blocked) and not blocked.effects and step_of(blocked.state) == engine.SUMMARY


# ---- the service on a store ----

async def user(app: App, user_id: int) -> UserAccount:
    async with app.sessions() as session:
        found = await session.get(UserAccount, user_id)
        assert found is not None
        return found


async def setup(app: App) -> Sitting:
    announcement = await open_announcement(app, TODAY)
    for staff_id, role in ((STAFF_A, "staff"), (STAFF_B, "staff"), (STAFF_C, "admin"), (OTHER_PROCTOR, "proctor"),
                           (CANDIDATE, "candidate")):
        await add_user(app, staff_id, role)
    return await running_sitting(app, announcement, CANDIDATE, CHIEF, DEPUTY, assessor=ASSESSOR)


async def report(app: App, sitting: Sitting, reporter: int = CHIEF, code: str = "V2.device", sanction: str = CANCEL_ALL_YEAR) -> int:
    async with app.sessions() as session:
        reporter_account = await session.get(UserAccount, reporter)
        assert reporter_account is not None
        found = await incident_facts.lookup_number(app, session, reporter_account, sitting.ticket_number, datetime.now(timezone.utc))
        assert found is not None and "candidate" in found, found
        candidate = found["candidate"]
        facts = await incident_facts.report_facts(app, session, reporter_account, {flow.CANDIDATE: candidate}, datetime.now(timezone.utc))
        effect = ReportIncident(facts["next_number"], candidate["ticket_id"], candidate["session_id"], candidate["room_id"], code,
                                sanction, "使用手机拍摄试题。", ("AgAC-evidence",))
        incident = await incidents.report(app, session, reporter_account, effect, datetime.now(timezone.utc))
        await session.commit()
        return incident.id or 0


async def act(app: App, who: int, action: str, incident_id: int, version: int | None = None, note: str = "理由") -> incidents.Done:
    """One decision in its own transaction (committed when it succeeds)."""
    async with app.sessions() as session:
        account = await session.get(UserAccount, who)
        assert account is not None
        now = datetime.now(timezone.utc)
        if action == "sign":
            done = await incidents.sign(app, session, account, incident_id, version, now)
        elif action == "ok":
            done = await incidents.approve(app, session, account, incident_id, version, now)
        elif action == "appeal":
            done = await incidents.appeal(app, session, account, incident_id, "我没有使用手机。", now)
        else:
            stored = await session.get(Incident, incident_id)
            assert stored is not None
            done = await incidents.decide_appeal(app, session, account, incident_id, action, version or stored.version, note, now) \
                if action in ("up", "ov") else await incidents.reject(app, session, account, incident_id, version or stored.version, note, now)
        await session.commit()
        return done


async def stored(app: App, incident_id: int) -> Incident:
    async with app.sessions() as session:
        found = await session.get(Incident, incident_id)
        assert found is not None
        return found


async def all_rows(app: App, model: type, *where: Any) -> list[Any]:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def refused(coro: Any) -> str:
    with pytest.raises(incidents.Refused) as caught:
        await coro
    return caught.value.code


async def test_v5_order_and_who_may_sign_and_approve(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting)
    assert (await stored(app, incident_id)).number == f"WJ{datetime.now(timezone.utc).astimezone(app.tz).year}-000001"
    sign_requests = {n.chat_id for n in await all_rows(app, Notification) if "请复核签字" in n.payload["text"]}
    assert sign_requests == {DEPUTY, ASSESSOR, STAFF_A, STAFF_B, STAFF_C}, "the other examiners of the sitting and staff"
    assert any(b["callback_data"] == f"in:sign:{incident_id}:1" for n in await all_rows(app, Notification, Notification.chat_id == DEPUTY)
               for row in n.payload["markup"]["rows"] for b in row)

    assert await refused(act(app, STAFF_A, "ok", incident_id, 1)) == "status", "no approval before the second signature"
    assert await refused(act(app, CHIEF, "sign", incident_id, 1)) == "own_report"
    assert await refused(act(app, OTHER_PROCTOR, "sign", incident_id, 1)) == "not_examiner", "a proctor of another sitting"
    await act(app, DEPUTY, "sign", incident_id, 1)
    signed = await stored(app, incident_id)
    assert (signed.status, signed.signed_by, signed.version) == ("signed", DEPUTY, 2)
    assert await refused(act(app, STAFF_A, "sign", incident_id, 2)) == "status"
    assert await refused(act(app, DEPUTY, "ok", incident_id, 2)) == "not_room_head", "a signer is not the room head"
    assert await refused(act(app, CHIEF, "ok", incident_id, 2)) == "not_room_head"
    heads = {n.chat_id for n in await all_rows(app, Notification) if "请考场负责人确认" in n.payload["text"]}
    assert heads == {STAFF_A, STAFF_B, STAFF_C}
    await act(app, STAFF_A, "ok", incident_id, 2)
    effective = await stored(app, incident_id)
    assert (effective.status, effective.decided_by, effective.version) == ("effective", STAFF_A, 3)
    actions = [a.action for a in await all_rows(app, AuditLog, AuditLog.entity == "incident")]
    assert actions == ["report_incident", "sign_incident", "approve_incident"]
    assert all("使用手机" not in str(a.after) for a in await all_rows(app, AuditLog)), "free text is never audited"


async def test_staff_may_sign_a_staff_report_and_the_room_head_may_reject_with_a_note(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting, reporter=STAFF_A)
    await act(app, STAFF_B, "sign", incident_id, 1)
    await act(app, STAFF_C, "no", incident_id, 2, note="证据不足")
    rejected = await stored(app, incident_id)
    assert (rejected.status, rejected.decision_note) == ("rejected", "证据不足")
    assert not await all_rows(app, Ban)
    told = [n.payload["text"] for n in await all_rows(app, Notification, Notification.chat_id == STAFF_A)]
    assert any("未获考场负责人确认" in t and "证据不足" in t for t in told)
    assert not await all_rows(app, Notification, Notification.chat_id == CANDIDATE), "nothing reaches the candidate"


async def test_a_second_press_of_the_same_decision_is_refused_by_the_version_guard(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting)
    await act(app, DEPUTY, "sign", incident_id, 1)
    assert await refused(act(app, STAFF_A, "ok", incident_id, 1)) == "changed", "a button shown before the signature"
    async with app.sessions() as slow:  # B read the case (and its transaction ended), then A decided before B pressed
        b_account = await slow.get(UserAccount, STAFF_B)
        assert b_account is not None
        seen = await slow.get(Incident, incident_id)
        assert seen is not None and seen.status == "signed"
        await slow.commit()  # SQLite serializes transactions; what B holds is now a stale copy
        await act(app, STAFF_A, "ok", incident_id, 2)
        with pytest.raises(incidents.Refused) as caught:
            await incidents.approve(app, slow, b_account, incident_id, 2, datetime.now(timezone.utc))
        assert caught.value.code == "changed", "the stale copy passes the status check; the guarded UPDATE refuses"
        await slow.rollback()
    assert len(await all_rows(app, Ban)) == 1, "one decision, one ban"
    assert (await stored(app, incident_id)).decided_by == STAFF_A


async def test_claim_refuses_when_the_row_moved_on_under_a_stale_read(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting)
    async with app.sessions() as slow:
        seen = await slow.get(Incident, incident_id)
        assert seen is not None and seen.version == 1
        await slow.commit()
        await act(app, DEPUTY, "sign", incident_id, 1)
        with pytest.raises(incidents.Refused) as caught:
            await incidents._claim(slow, seen, 1, datetime.now(timezone.utc))
        assert caught.value.code == "changed"
        await slow.rollback()


@pytest.mark.parametrize(
    ("code", "sanction", "kind", "years"),
    [("V2.device", CANCEL_ALL_YEAR, "V2", 0), ("V3.leak", BAN_2Y, "V3", 2), ("V3.impersonation", BAN_5Y, "V3", 5),
     ("V1.noise", CANCEL_SUBJECT, None, None)],
)
async def test_effect_creates_the_ban_and_tells_the_candidate_facts_reason_basis(
    app: App, code: str, sanction: str, kind: str | None, years: int | None
) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting, code=code, sanction=sanction)
    await act(app, DEPUTY, "sign", incident_id, 1)
    done = await act(app, STAFF_A, "ok", incident_id, 2)
    effective_day = datetime.now(timezone.utc).astimezone(app.tz).date()
    bans = await all_rows(app, Ban)
    if kind is None:
        assert bans == [] and done.notice.params["until"] == ""
    else:
        (ban,) = bans
        expected = date(effective_day.year, 12, 31) if kind == "V2" else ban_until(sanction, effective_day)
        assert (ban.kind, ban.until, ban.incident_id) == (kind, expected, incident_id)
        if years:
            assert ban.until == add_years(effective_day, years)
        assert ban.id_number_hash == app.cipher.lookup_hash(ID_NUMBER) and ban.reason.endswith(code)
        assert ID_NUMBER not in ban.reason
    (notice,) = [n.payload for n in await all_rows(app, Notification, Notification.chat_id == CANDIDATE)]
    text = notice["text"]
    number = (await stored(app, incident_id)).number
    assert number in text and "事实" in text and "理由" in text and "依据" in text and "301" in text
    assert I18n().render("zh_CN", f"violation.{code}") in text and I18n().render("zh_CN", f"sanction.{sanction}") in text
    assert I18n().label("zh_CN", card_flow.article_label(code)) in text
    assert notice["markup"]["rows"] == [[{"text": "📝 提出申辩", "callback_data": f"in:appeal:{incident_id}"}]]


async def test_overturn_on_appeal_lifts_the_ban_and_upholding_keeps_it(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting, code="V3.leak", sanction=BAN_2Y)
    await act(app, DEPUTY, "sign", incident_id, 1)
    await act(app, STAFF_A, "ok", incident_id, 2)
    assert await refused(act(app, STAFF_B, "appeal", incident_id)) == "not_found", "only the candidate appeals"
    await act(app, CANDIDATE, "appeal", incident_id)
    assert await refused(act(app, CANDIDATE, "appeal", incident_id)) == "appeal_closed"
    appealed = await stored(app, incident_id)
    assert (appealed.appeal_status, appealed.appeal_text) == ("pending", "我没有使用手机。")
    reviewers = {n.chat_id for n in await all_rows(app, Notification) if "申辩待复核" in n.payload["text"]}
    assert reviewers == {STAFF_A, STAFF_B, STAFF_C}
    assert await refused(act(app, DEPUTY, "ov", incident_id)) == "not_allowed", "a signer does not review the appeal"
    await act(app, STAFF_B, "ov", incident_id, note="监控显示未使用手机")
    overturned = await stored(app, incident_id)
    assert (overturned.status, overturned.appeal_status, overturned.appeal_note) == ("overturned", "overturned", "监控显示未使用手机")
    assert not await all_rows(app, Ban)
    deleted = await all_rows(app, AuditLog, AuditLog.action == "delete_ban")
    assert len(deleted) == 1 and deleted[0].before["incident_id"] == incident_id
    told = [n.payload["text"] for n in await all_rows(app, Notification, Notification.chat_id == CANDIDATE)]
    assert any("撤销原处理决定" in t and "监控显示未使用手机" in t for t in told)

    second = await report(app, sitting, code="V3.leak", sanction=BAN_2Y)
    await act(app, DEPUTY, "sign", second, 1)
    await act(app, STAFF_A, "ok", second, 2)
    await act(app, CANDIDATE, "appeal", second)
    await act(app, STAFF_C, "up", second, note="事实清楚")
    upheld = await stored(app, second)
    assert (upheld.status, upheld.appeal_status) == ("effective", "upheld")
    assert len(await all_rows(app, Ban)) == 1
    assert await refused(act(app, STAFF_C, "ov", second)) == "status", "an appeal is decided once"


async def test_a_banned_candidate_is_refused_by_the_application_eligibility_check(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting)
    await act(app, DEPUTY, "sign", incident_id, 1)
    await act(app, STAFF_A, "ok", incident_id, 2)
    draft = FormProgress(step="level", values={"id_number": {"number": ID_NUMBER}, "announcement": "1", "level": "4",
                                               "category": "employee", "years": 10, "education": "senior_high"})
    state = ConversationState().with_progress("apply", draft)
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        facts = await apply_facts(app, session, await user(app, CANDIDATE), state, now)
    today = now.astimezone(app.tz).date()
    assert facts["bans"] == [{"kind": "V2", "until": date(today.year, 12, 31).isoformat(), "reason": f"{(await stored(app, incident_id)).number} V2.device"}]
    context = FlowContext(CANDIDATE, CANDIDATE, "candidate", "zh_CN", now, {"apply": facts})
    values = draft.values
    refusals = eligibility.check(apply_flow.announcement_facts(context, values), apply_flow.applicant_facts(values, context), today)
    banned = [r for r in refusals if r.code == "banned"]  # (a duplicate too: the same person applied to this announcement)
    assert banned and banned[0].params["until"] == date(today.year, 12, 31)
    assert "apply.refused.banned" in [t.key for t in apply_flow.check(values, context)]


async def test_v4_an_issued_certificate_from_the_batch_is_revoked(app: App) -> None:
    sitting = await setup(app)
    async with app.sessions() as session:
        for number, id_number in (("S000036010027264000001", ID_NUMBER), ("S000036010027264000002", "360102199005201234")):
            session.add(Certificate(number=number, holder_name="张三", id_type="201", id_number_enc=app.cipher.encrypt(id_number) or "",
                                    id_number_hash=app.cipher.lookup_hash(id_like(id_number)) or "", occupation="电工", level=4,
                                    issue_date=TODAY, issuer="X", source="batch", batch_id=sitting.batch_id))
        await session.commit()
    incident_id = await report(app, sitting, code="V3.false_pledge", sanction=BAN_5Y)
    await act(app, DEPUTY, "sign", incident_id, 1)
    done = await act(app, STAFF_A, "ok", incident_id, 2)
    assert done.notice.params["revoked"] == ["S000036010027264000001"]
    certificates = {c.number: c for c in await all_rows(app, Certificate)}
    revoked = certificates["S000036010027264000001"]
    number = (await stored(app, incident_id)).number
    assert revoked.status == "revoked" and revoked.status_reason == f"violation: {number} V3.false_pledge"
    assert certificates["S000036010027264000002"].status == "valid", "someone else's certificate stays"
    assert [a.action for a in await all_rows(app, AuditLog, AuditLog.entity == "certificate")] == ["revoke"]


async def test_lookup_refuses_examiners_of_other_batches_void_tickets_and_forged_qr(app: App) -> None:
    sitting = await setup(app)
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        other = await session.get(UserAccount, OTHER_PROCTOR)
        staff = await session.get(UserAccount, STAFF_A)
        chief = await session.get(UserAccount, CHIEF)
        assert other and staff and chief
        assert (await incident_facts.lookup_number(app, session, other, sitting.ticket_number, now) or {})["problem"] == "not_assigned"
        assert "candidate" in (await incident_facts.lookup_number(app, session, staff, sitting.ticket_number, now) or {})
        assert (await incident_facts.lookup_number(app, session, chief, "99999999999", now) or {})["problem"] == "unknown"
        assert await incident_facts.lookup_number(app, session, chief, "abc", now) is None
        assert (await incident_facts.lookup_token(app, session, chief, "forged-token-000000000000", now))["problem"] == "invalid_qr"
        found = await incident_facts.lookup_number(app, session, chief, sitting.ticket_number, now)
        assert found and found["candidate"]["name"] == "张*" and found["candidate"]["room"] == "301"
        early = now - timedelta(days=2)
        assert (await incident_facts.lookup_number(app, session, chief, sitting.ticket_number, early) or {})["problem"] == "no_sitting"


async def test_a_decision_effect_with_an_unknown_action_is_refused(app: App) -> None:
    sitting = await setup(app)
    incident_id = await report(app, sitting)
    async with app.sessions() as session:
        staff = await session.get(UserAccount, STAFF_A)
        assert staff is not None
        context = FlowContext(STAFF_A, STAFF_A, "staff", "zh_CN", datetime.now(timezone.utc))
        with pytest.raises(incidents.Refused):
            await incidents.apply_effect(app, session, staff, DecideIncident(incident_id, "ok", 1, "x"), context)


async def test_the_console_routes_the_report_and_keeps_candidates_out(app: App) -> None:
    import io

    from handlers.console import Console

    sitting = await setup(app)

    async def chat(user_id: int, *lines: str) -> str:
        out = io.StringIO()
        await Console(app, io.StringIO("".join(line + "\n" for line in lines)), out, user_id=user_id).run(banner=False)
        return out.getvalue()

    assert "无法识别的命令 /incident" in await chat(CANDIDATE, "/incident")
    out = await chat(CHIEF, "/incident", sitting.ticket_number, "#2", "#3", "撕毁试卷。", "#1", "#6")
    assert "张*" in out and "第六条第（三）项" in out
    (incident,) = await all_rows(app, Incident)
    assert (incident.code, incident.sanction, incident.status) == ("V2.damage", CANCEL_ALL_YEAR, "reported")
    listing = await chat(STAFF_A, "/incidents", "#1")
    assert incident.number in listing and "已签字" in listing
    assert (await stored(app, incident.id or 0)).signed_by == STAFF_A
