"""Exam-day checklists (DOMAIN C1–C10): planning per sitting, the fired moments (items per role and room kind, once
only, late before the end, skipped after), ticking, the supervisor's overview and the escalations of open items."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.app import App
from bot.i18n import I18n
from bot.rules import checklist as rules
from bot.scheduler import checklist_jobs
from bot.scheduler.service import SchedulerService
from bot.services import checklists, exam_day
from bot.services.checklists import DUE, EARLY, ESCALATE, FIRE_MOMENT, LATE, OVER, PlannedJob, plan, timing
from flows import checklist as flow
from flows.checklist import GONE, REFUSED, TICKED, UNCHANGED, UNTICKED, Press, Refresh
from storage.models import AuditLog, ChecklistTick, ExamRoom, ExamSession
from tests.support.checklist_sitting import (
    ASSESSOR,
    CHIEF,
    CHIEF_2,
    DEPUTY,
    SHANGHAI,
    STAFF,
    STRANGER,
    SUPERVISOR,
    SittingIds,
    button_data,
    make_sitting,
    notifications,
)
from tests.conftest import ADMIN_ID
from tests.support.applications import add_user

UTC = timezone.utc
STARTS = datetime(2030, 6, 14, 9, 0, tzinfo=SHANGHAI)
ENDS = STARTS + timedelta(minutes=90)
DELAYS = {"chief": timedelta(minutes=10), "staff": timedelta(minutes=20)}


def at(code: str, starts: datetime = STARTS, ends: datetime = ENDS) -> datetime:
    """When a moment falls for the sitting."""
    moment = rules.moment(code)
    assert moment is not None
    return moment.at(starts, ends)


# --- planning (pure) ------------------------------------------------------------------------------------------------


def test_plan_puts_every_moment_at_its_offset_with_two_escalations() -> None:
    jobs = plan(7, STARTS, ENDS, STARTS - timedelta(days=1), DELAYS)
    moments = {j.job_id: j.run_at for j in jobs if j.func == FIRE_MOMENT}
    local = {job_id.split(":")[2]: run_at.astimezone(SHANGHAI).strftime("%H:%M") for job_id, run_at in moments.items()}
    assert local == {
        "T-40": "08:20", "T-30": "08:30", "T-15": "08:45", "T-10": "08:50", "T-5": "08:55",
        "T+0": "09:00", "T+30": "09:30", "E-15": "10:15", "E": "10:30",
    }
    assert PlannedJob("ck:7:T-30", at("T-30"), FIRE_MOMENT, (7, "T-30")) in jobs
    assert PlannedJob("ck:7:T-30:chief", at("T-30") + timedelta(minutes=10), ESCALATE, (7, "T-30", "chief")) in jobs
    assert PlannedJob("ck:7:E:staff", ENDS + timedelta(minutes=20), ESCALATE, (7, "E", "staff")) in jobs
    assert len(jobs) == 9 * 3 and [j.run_at for j in jobs] == sorted(j.run_at for j in jobs)


def test_moments_already_past_are_not_planned_nor_their_escalations() -> None:
    jobs = plan(7, STARTS, ENDS, at("T-30") + timedelta(minutes=1), DELAYS)
    ids = {j.job_id for j in jobs}
    assert not any(i.startswith(("ck:7:T-40", "ck:7:T-30")) for i in ids)
    assert {"ck:7:T-15", "ck:7:T-15:chief", "ck:7:T-15:staff", "ck:7:E"} <= ids
    assert plan(7, STARTS, ENDS, ENDS, DELAYS) == []


def test_an_escalation_level_set_to_zero_is_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    delays = checklists.escalation_delays(make_settings(tmp_path, checklist_escalate_chief_minutes=0))
    assert delays == {"staff": timedelta(minutes=20)}
    assert not any(j.job_id.endswith(":chief") for j in plan(7, STARTS, ENDS, STARTS - timedelta(days=1), delays))


@pytest.mark.parametrize(
    "code, now, expected",
    [
        ("T-30", at("T-30") - timedelta(minutes=5), EARLY),
        ("T-30", at("T-30") - timedelta(seconds=30), DUE),
        ("T-30", at("T-30") + timedelta(minutes=4), DUE),
        ("T-30", at("T-30") + timedelta(minutes=6), LATE),
        ("T-30", ENDS - timedelta(minutes=1), LATE),
        ("T-30", ENDS + timedelta(minutes=1), OVER),
        ("E", ENDS + timedelta(minutes=3), DUE),
        ("E", ENDS + timedelta(minutes=6), OVER),
    ],
)
def test_timing(code: str, now: datetime, expected: str) -> None:
    assert timing(at(code), ENDS, now) == expected


def test_callback_data_round_trips_and_fits_telegram() -> None:
    longest = max((i.key for i in rules.ITEMS), key=len)
    data = flow.item_data(2**63 - 1, longest, True)
    assert len(data.encode()) <= 64
    assert flow.parse(data) == Press(2**63 - 1, longest, True)
    assert flow.parse(flow.item_data(5, "C2.papers", False)) == Press(5, "C2.papers", False)
    assert flow.parse(flow.overview_data(9, "T+30")) == Refresh(9, "T+30")
    for bad in ("ck:5:C2.papers", "ck:x:C2.papers:1", "ck:5:C2.papers:2", "bt:5:C2.papers:1", "ck:ov:x:T-40", "ck:5::1", "ck:²:C2.papers:1", "ck:ov:²:T-40"):
        assert flow.parse(bad) is None, bad


def test_every_item_and_moment_has_texts_in_both_locales() -> None:
    i18n = I18n()
    keys = [f"checklist.{kind}.{i.key}" for i in rules.ITEMS for kind in ("item", "short")]
    keys += [f"checklist.moment.{m.rule}" for m in rules.MOMENTS] + [f"checklist.moment.{checklists.ASSESSOR_RULE}"]
    keys += [f"checklist.role.{r}" for r in (rules.CHIEF, rules.DEPUTY, rules.ASSESSOR)]
    for locale in ("zh_CN", "en"):
        missing = [k for k in keys if not i18n.has(locale, k)]
        assert not missing, f"{locale} lacks {missing}"
    assert i18n.render("zh_CN", "checklist.item.C2.papers") == "2名监考人员同时领取试卷"


# --- planning with the scheduler ------------------------------------------------------------------------------------


async def test_plan_sitting_schedules_and_a_replan_replaces(app: App, jobs: SchedulerService) -> None:
    ids = await make_sitting(app, STARTS)
    now = STARTS - timedelta(days=1)
    assert await checklists.plan_sitting(app, ids.session_id, STARTS, ENDS, now=now) == 27
    prefix = f"ck:{ids.session_id}:"
    assert len(await jobs.job_ids(prefix)) == 27
    assert await jobs.run_time(f"{prefix}T-30") == at("T-30")
    assert await jobs.run_time(f"{prefix}E:chief") == ENDS + timedelta(minutes=10)

    later = STARTS + timedelta(hours=2)
    assert await checklists.plan_sitting(app, ids.session_id, later, later + timedelta(minutes=90), now=now) == 27
    assert len(await jobs.job_ids(prefix)) == 27, "the old jobs are replaced, not added to"
    assert await jobs.run_time(f"{prefix}T-30") == later - timedelta(minutes=30)

    assert await checklists.plan_sitting(app, ids.session_id, later, later + timedelta(minutes=90), now=later - timedelta(minutes=20)) == 21
    assert f"{prefix}T-30" not in await jobs.job_ids(prefix), "a moment past when planned again is dropped"
    assert await checklists.cancel_sitting(app, ids.session_id) == 21
    assert await jobs.job_ids(prefix) == []


async def test_plan_batch_plans_the_checklists_of_every_sitting(app: App, jobs: SchedulerService) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    ids = await make_sitting(app, starts)
    assert checklists in exam_day.PLANNERS
    assert await exam_day.plan_batch(app, ids.batch_id) >= 27
    assert len(await jobs.job_ids(f"ck:{ids.session_id}:")) == 27


async def test_without_a_scheduler_nothing_is_planned(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    assert app.jobs is None
    assert await checklists.plan_sitting(app, ids.session_id, STARTS, ENDS) == 0
    assert await checklists.cancel_sitting(app, ids.session_id) == 0


# --- fired moments --------------------------------------------------------------------------------------------------


async def sent(app: App, chat_id: int) -> list[tuple[str, list[str]]]:
    """Texts and button data of the notifications to one chat."""
    return [(n.payload["text"], button_data(n)) for n in await notifications(app, chat_id)]


async def test_t40_sends_proctors_their_items_assessors_c10_per_room_and_the_supervisor_an_overview(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    added = await checklists.fire_moment(app, ids.session_id, "T-40", now=at("T-40"))
    assert added == 2 + 1 + 2 + 1  # chief+deputy of 301, chief of 机房1, assessor × 2 rooms, supervisor
    ((chief_text, chief_buttons),) = await sent(app, CHIEF)
    assert "C1 考前40分钟 · 考前会 · 08:20" in chief_text and "考场 301" in chief_text and "主监考" in chief_text
    assert "参加考前会" in chief_text and "佩戴监考员证卡" in chief_text and "补发" not in chief_text
    assert chief_buttons == [f"ck:{ids.desk}:C1.meeting:1", f"ck:{ids.desk}:C1.badge:1"]
    ((deputy_text, _),) = await sent(app, DEPUTY)
    assert "deputy proctor" in deputy_text and "pre-exam meeting" in deputy_text, "rendered in the deputy's language"
    assessor = await sent(app, ASSESSOR)
    assert [b for _, b in assessor] == [
        [f"ck:{ids.desk}:C10.site:1", f"ck:{ids.desk}:C10.equipment:1", f"ck:{ids.desk}:C10.tools:1"],
        [f"ck:{ids.computer}:C10.site:1", f"ck:{ids.computer}:C10.equipment:1", f"ck:{ids.computer}:C10.tools:1"],
    ]
    assert "C10" in assessor[0][0] and "考评员" in assessor[0][0] and "考前检验工、卡、量具和其他用料" in assessor[0][0]
    ((overview, refresh),) = await sent(app, SUPERVISOR)
    assert "督导总览" in overview and refresh == [f"ck:ov:{ids.session_id}:T-40"]
    assert "考场 301：主监考 王主监，副监考 Li Deputy；已排座 2 人；清单已勾选 0/5" in overview
    assert "考场 机房1：主监考 赵机房，副监考 未指派；已排座 0 人；清单已勾选 0/5" in overview


async def test_items_follow_the_role_and_the_room_kind(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    await checklists.fire_moment(app, ids.session_id, "T-5", now=at("T-5"))
    ((desk_text, desk_buttons),) = await sent(app, CHIEF)
    ((computer_text, computer_buttons),) = await sent(app, CHIEF_2)
    assert [d.split(":")[2] for d in desk_buttons] == ["C5.open_papers", "C5.count_papers", "C5.remind_fill"]
    assert [d.split(":")[2] for d in computer_buttons] == ["C5.open_papers", "C5.count_papers", "C5.remind_fill", "C5.computers"]
    assert "计算机" not in desk_text and "计算机" in computer_text
    assert await sent(app, DEPUTY) == [], "the deputy has no item at T-5"
    assert await sent(app, ASSESSOR) == [] and await sent(app, SUPERVISOR) == [], "C10 and the overview come at T-40"

    await checklists.fire_moment(app, ids.session_id, "T-15", now=at("T-15"))
    assert [d.split(":")[2] for _, b in (await sent(app, DEPUTY)) for d in b] == ["C3.store_items"]
    assert [d.split(":")[2] for d in (await sent(app, CHIEF))[-1][1]] == ["C3.verify_seat"]


async def test_a_second_fire_and_a_replan_send_nothing_again(app: App, jobs: SchedulerService) -> None:
    ids = await make_sitting(app, STARTS)
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30")) == 3
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30") + timedelta(minutes=1)) == 0
    await checklists.plan_sitting(app, ids.session_id, STARTS, ENDS, now=STARTS - timedelta(days=1))
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30") + timedelta(minutes=2)) == 0
    assert len(await notifications(app)) == 3


async def test_a_missed_moment_is_sent_late_before_the_end_and_skipped_after(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=STARTS + timedelta(minutes=10)) == 3
    ((text, buttons),) = await sent(app, CHIEF)
    assert text.startswith("⚠️ 补发") and buttons
    assert (await sent(app, DEPUTY))[0][0].startswith("⚠️ Sent late")
    assert await checklists.fire_moment(app, ids.session_id, "T+30", now=ENDS + timedelta(minutes=1)) == 0
    assert await checklists.fire_moment(app, ids.session_id, "E", now=ENDS + timedelta(minutes=2)) == 4
    assert "补发" not in (await sent(app, CHIEF))[-1][0], "the end moment within a few minutes is on time"
    assert await checklists.fire_moment(app, ids.session_id, "E-15", now=ENDS + timedelta(minutes=30)) == 0


async def test_an_early_fire_of_a_moved_sitting_and_unknown_moments_send_nothing(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30") - timedelta(hours=1)) == 0
    assert await checklists.fire_moment(app, ids.session_id, "T-99", now=at("T-30")) == 0
    assert await checklists.fire_moment(app, ids.session_id + 100, "T-30", now=at("T-30")) == 0
    assert await notifications(app) == []


async def test_a_moved_sitting_gets_its_checklist_at_the_new_time(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30")) == 3
    later = STARTS + timedelta(days=1)
    async with app.sessions() as session:
        exam = await session.get(ExamSession, ids.session_id)
        assert exam is not None
        exam.starts_at, exam.ends_at = later, later + timedelta(minutes=90)
        session.add(exam)
        await session.commit()
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=later - timedelta(minutes=30)) == 3


async def test_the_job_entry_points_use_the_bound_app(app: App, jobs: SchedulerService) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=35)
    ids = await make_sitting(app, starts)
    await checklist_jobs.fire_moment(ids.session_id, "T-40")
    assert [n.chat_id for n in await notifications(app, CHIEF)] == [CHIEF], "sent late, before the sitting starts"
    await checklist_jobs.escalate(ids.session_id, "T-40", "chief")
    assert len(await notifications(app, CHIEF)) == 1, "an escalation is not sent before it is due"


# --- ticking --------------------------------------------------------------------------------------------------------


async def tick(app: App, user_id: int, room_id: int, key: str, on: bool = True, now: datetime | None = None) -> flow.PressResult:
    async with app.sessions() as session:
        return await checklists.press(app, session, user_id, Press(room_id, key, on), now or at("T-30") + timedelta(minutes=1))


async def ticks(app: App) -> dict[tuple[int, str], int]:
    async with app.sessions() as session:
        return {(t.room_id, t.item): t.user_id for t in (await session.exec(select(ChecklistTick))).all()}


async def test_chief_and_deputy_tick_and_untick_audited_others_are_refused(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    result = await tick(app, CHIEF, ids.desk, "C2.papers")
    assert result.outcome == TICKED and isinstance(result.view, flow.ChecklistView)
    assert result.view.role == rules.CHIEF and result.view.items[0] == flow.ItemState("C2.papers", True, "王主监", "08:31")
    assert await ticks(app) == {(ids.desk, "C2.papers"): CHIEF}

    stale = await tick(app, DEPUTY, ids.desk, "C2.papers")
    assert stale.outcome == UNCHANGED and isinstance(stale.view, flow.ChecklistView) and stale.view.role == rules.DEPUTY
    assert stale.view.items[0].by == "王主监", "a stale tick button shows who was quicker and changes nothing"
    assert (await tick(app, DEPUTY, ids.desk, "C2.papers", on=False)).outcome == UNTICKED
    assert await ticks(app) == {}
    assert (await tick(app, DEPUTY, ids.desk, "C2.papers", on=False)).outcome == UNCHANGED

    assert (await tick(app, STRANGER, ids.desk, "C2.papers")).outcome == REFUSED
    assert (await tick(app, CHIEF_2, ids.desk, "C2.papers")).outcome == REFUSED, "the chief of another room"
    assert (await tick(app, ASSESSOR, ids.desk, "C2.papers")).outcome == REFUSED
    assert (await tick(app, CHIEF, ids.desk, "C10.site")).outcome == REFUSED, "assessment items are the assessors'"
    assert (await tick(app, CHIEF, ids.desk, "C5.computers")).outcome == GONE, "no computers in a desk room"
    assert (await tick(app, CHIEF, ids.desk, "C2.nothing")).outcome == GONE
    assert (await tick(app, CHIEF, ids.desk + 100, "C2.papers")).outcome == GONE
    assessed = await tick(app, ASSESSOR, ids.computer, "C10.tools")
    assert assessed.outcome == TICKED and isinstance(assessed.view, flow.ChecklistView) and assessed.view.rule == "C10"
    assert await ticks(app) == {(ids.computer, "C10.tools"): ASSESSOR}

    async with app.sessions() as session:
        trail = list((await session.exec(select(AuditLog).where(AuditLog.entity == "checklist_tick").order_by(AuditLog.id))).all())  # type: ignore[arg-type]
    assert [(a.action, a.actor_id, a.entity_id) for a in trail] == [
        ("checklist_tick", CHIEF, f"{ids.desk}:C2.papers"),
        ("checklist_untick", DEPUTY, f"{ids.desk}:C2.papers"),
        ("checklist_tick", ASSESSOR, f"{ids.computer}:C10.tools"),
    ]
    assert trail[1].before is not None and trail[1].before["by"] == CHIEF


async def test_a_reassigned_proctor_can_no_longer_tick(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    async with app.sessions() as session:
        room = await session.get(ExamRoom, ids.desk)
        assert room is not None
        room.deputy_id = STRANGER
        session.add(room)
        await session.commit()
    assert (await tick(app, DEPUTY, ids.desk, "C2.papers")).outcome == REFUSED
    assert (await tick(app, STRANGER, ids.desk, "C2.papers")).outcome == TICKED


async def test_the_overview_counts_ticks_so_far_and_only_the_supervisor_and_staff_refresh_it(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    await add_user(app, ADMIN_ID, "admin")
    for key in ("C1.meeting", "C1.badge", "C2.papers"):
        await tick(app, CHIEF, ids.desk, key)
    await tick(app, ASSESSOR, ids.desk, "C10.site")
    async with app.sessions() as session:
        refreshed = await checklists.refresh(app, session, SUPERVISOR, "supervisor", Refresh(ids.session_id, "T-40"), at("T-30"))
        assert refreshed.outcome == flow.REFRESHED and isinstance(refreshed.view, flow.OverviewView)
        desk = refreshed.view.rooms[0]
        assert (desk.room, desk.done, desk.total, desk.seated) == ("301", 4, 5 + 4, 2), "T-40 and T-30 are due at T-30"
        by_staff = await checklists.refresh(app, session, STAFF, "staff", Refresh(ids.session_id, "T-40"), at("T-40"))
        assert isinstance(by_staff.view, flow.OverviewView) and by_staff.view.rooms[0].total == 5
        assert (await checklists.refresh(app, session, STRANGER, "proctor", Refresh(ids.session_id, "T-40"), at("T-40"))).outcome == REFUSED
        assert (await checklists.refresh(app, session, SUPERVISOR, "supervisor", Refresh(ids.session_id, "T-99"), at("T-40"))).outcome == GONE


# --- escalations ----------------------------------------------------------------------------------------------------


async def test_open_items_escalate_to_the_chief_then_to_staff_once_each(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    await add_user(app, ADMIN_ID, "admin")
    await tick(app, DEPUTY, ids.desk, "C2.papers")
    await tick(app, CHIEF, ids.desk, "C2.roster")
    for key in ("C2.papers", "C2.occupation_level", "C2.roster", "C2.storage"):
        await tick(app, CHIEF_2, ids.computer, key)
    chief_at = at("T-30") + timedelta(minutes=10)

    assert await checklists.escalate(app, ids.session_id, "T-30", "chief", now=chief_at) == 1
    ((text, buttons),) = await sent(app, CHIEF)
    assert "考场 301 清单未完成" in text and "已过 10 分钟" in text and "C2 考前30分钟" in text
    assert "检查试卷的职业（工种）名称、等级" in text and "设置考生物品存放处" in text
    assert "2名监考人员同时领取试卷" not in text and "将考生名册" not in text, "ticked items are not escalated"
    assert buttons == []
    assert await sent(app, CHIEF_2) == [], "a room with everything ticked is not escalated"
    assert await checklists.escalate(app, ids.session_id, "T-30", "chief", now=chief_at + timedelta(minutes=1)) == 0

    staff_at = at("T-30") + timedelta(minutes=20)
    assert await checklists.escalate(app, ids.session_id, "T-30", "staff", now=staff_at - timedelta(minutes=5)) == 0
    assert await checklists.escalate(app, ids.session_id, "T-30", "staff", now=staff_at) == 2
    for person in (STAFF, ADMIN_ID):
        ((text, _),) = await sent(app, person)
        assert "考场 301（主监考 王主监）" in text and "设置考生物品存放处" in text and "机房1" not in text
    assert await checklists.escalate(app, ids.session_id, "T-30", "staff", now=staff_at) == 0
    assert await sent(app, SUPERVISOR) == [] and await sent(app, DEPUTY) == []


async def test_nothing_is_escalated_when_everything_is_ticked_or_too_late(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    await tick(app, CHIEF, ids.desk, "C3.verify_seat")
    await tick(app, DEPUTY, ids.desk, "C3.store_items")
    assert await checklists.escalate(app, ids.session_id, "T-15", "chief", now=at("T-15") + timedelta(minutes=10)) == 1
    assert [n.chat_id for n in await notifications(app)] == [CHIEF_2], "only 机房1 is open"
    await tick(app, CHIEF_2, ids.computer, "C3.verify_seat")
    await tick(app, CHIEF_2, ids.computer, "C3.store_items")
    assert await checklists.escalate(app, ids.session_id, "T-15", "staff", now=at("T-15") + timedelta(minutes=20)) == 0
    stale = at("T-5") + timedelta(minutes=20) + checklists.STALE_ESCALATION + timedelta(minutes=1)
    assert await checklists.escalate(app, ids.session_id, "T-5", "staff", now=stale) == 0
    assert await checklists.escalate(app, ids.session_id, "T-5", "nobody", now=at("T-5") + timedelta(minutes=20)) == 0


async def test_an_escalation_of_a_room_without_chief_goes_to_staff_only(app: App) -> None:
    ids: SittingIds = await make_sitting(app, STARTS)
    async with app.sessions() as session:
        room = await session.get(ExamRoom, ids.computer)
        assert room is not None
        room.chief_id = None
        session.add(room)
        await session.commit()
    await checklists.escalate(app, ids.session_id, "T+0", "chief", now=STARTS + timedelta(minutes=10))
    assert [n.chat_id for n in await notifications(app)] == [CHIEF], "301's deputy item is open; 机房1 has no chief"
    await checklists.escalate(app, ids.session_id, "T+0", "staff", now=STARTS + timedelta(minutes=20))
    ((text, _),) = await sent(app, STAFF)
    assert "考场 机房1（主监考 未指派）" in text and "五对照" in text
