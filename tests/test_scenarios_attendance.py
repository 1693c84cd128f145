"""Exam day in the room (DOMAIN C6, C7): proctors scan tickets or type ticket numbers during the sitting and record the
five-point check; a suspected impersonation is reported at once; at T+30 the absentees are recorded.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator (the batch is planned
through the batch card like tests/test_scenarios_batches.py), and on the console.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from bot.scheduler.service import SchedulerService, start_scheduler
from bot.services import attendance
from bot.tickets import tokens
from handlers.console import Console
from storage.models import Attendance, ExamBatch, ExamRoom, ExamSession, Notification, Seat, Ticket
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import BIRTH, add_user, insert_application
from tests.support.attendance_sitting import CHIEF as DB_CHIEF
from tests.support.attendance_sitting import make_sitting
from tests.support.catalog import open_announcement

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(timezone.utc).astimezone(TZ).date()
EXAM_DAY = TODAY + timedelta(days=10)
CHIEF, DEPUTY, OTHER, SUPERVISOR, ASSESSOR = 660001, 660002, 660003, 660004, 660005
CANDS = (661001, 661002, 661003, 661004)  # A, B, C seated in 301 (capacity 3), D in 302
NAMES = ("张三", "李四", "王五", "赵六")
A, B, C, D = range(4)
ROOMS = "理论 301 单人单桌 3\n理论 302 单人单桌 30\n实操 实训A 工位 5"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def id_number(index: int) -> str:
    return make_resident_id("360102", BIRTH, 401 + index)


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


def inline_data(markup: dict[str, Any] | None) -> list[str]:
    return [b.get("callback_data", "") for row in (markup or {}).get("inline_keyboard", []) for b in row]


async def click(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str, user: int = ADMIN_ID) -> None:
    await harness.feed(u.message(user, text))


@pytest.fixture
async def scheduler(harness: Harness) -> AsyncIterator[SchedulerService]:
    """A paused scheduler on the harness's store: jobs are written, never run."""
    service = await start_scheduler(harness.app, paused=True)
    yield service
    await service.shutdown()


async def plan_sitting_now(harness: Harness) -> tuple[ExamSession, dict[int, Ticket], dict[int, Seat]]:
    """Plan the batch through the card (rooms, proctors, supervisor, tickets), then move its theory sitting so it
    started 35 minutes ago (the form only takes future dates). Returns the sitting, tickets and seats by user."""
    app = harness.app
    announcement = await open_announcement(app, TODAY)
    for user, role in ((CHIEF, "proctor"), (DEPUTY, "proctor"), (OTHER, "proctor"), (SUPERVISOR, "supervisor"),
                       (ASSESSOR, "assessor")):
        await add_user(app, user, role)
    for i, user in enumerate(CANDS):
        await insert_application(app, announcement, user, number=f"SQ20267700{i:02d}", status="approved", name=NAMES[i],
                                 id_number=id_number(i), subjects=["theory"], minutes_ago=60 - i)
    await harness.feed(u.command(ADMIN_ID, "batch"))
    await click(harness, f"fm:c:announcement:{announcement.id}")
    await click(harness, "fm:c:level:4")
    await say(harness, "2026年冬季电工四级认定")
    await say(harness, f"理论 {EXAM_DAY} 09:00-10:30 南昌技师学院1号楼\n实操 {EXAM_DAY} 14:00-16:00 南昌技师学院实训楼")
    await say(harness, ROOMS)
    await click(harness, "fm:ok")
    (batch,) = await rows(app, ExamBatch)
    rooms = {r.name: r for r in await rows(app, ExamRoom)}
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:room:{rooms['301'].id}")
    await click(harness, f"bt:chief:{rooms['301'].id}:{CHIEF}")
    await click(harness, f"bt:deputy:{rooms['301'].id}:{DEPUTY}")
    await click(harness, f"bt:room:{rooms['302'].id}")
    await click(harness, f"bt:chief:{rooms['302'].id}:{OTHER}")
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:sup:{batch.id}")
    await click(harness, f"bt:sup!:{batch.id}:{SUPERVISOR}")
    await click(harness, f"bt:issue:{batch.id}")
    await click(harness, f"bt:issue!:{batch.id}")
    theory = next(s for s in await rows(app, ExamSession) if s.subject == "theory")
    assert theory.id is not None and await scheduler_has(harness, f"att:{theory.id}")
    async with app.sessions() as session:
        moved = await session.get(ExamSession, theory.id)
        assert moved is not None
        moved.starts_at = datetime.now(timezone.utc) - timedelta(minutes=35)
        moved.ends_at = moved.starts_at + timedelta(minutes=90)
        session.add(moved)
        await session.commit()
    tickets = {t.user_id: t for t in await rows(app, Ticket)}
    seats = {next(u for u, t in tickets.items() if t.id == s.ticket_id): s for s in await rows(app, Seat)}
    assert {u: seats[u].room_id for u in CANDS} == {CANDS[A]: rooms["301"].id, CANDS[B]: rooms["301"].id,
                                                   CANDS[C]: rooms["301"].id, CANDS[D]: rooms["302"].id}
    return moved, tickets, seats


async def scheduler_has(harness: Harness, job_id: str) -> bool:
    jobs = harness.app.jobs
    return jobs is not None and await jobs.run_time(job_id) is not None


def scan_link(app: App, ticket: Ticket) -> str:
    return f"tk_{tokens.make(app.cipher, ticket.id or 0, ticket.token_version)}"


async def statuses(app: App) -> dict[int, str]:
    return {r.seat_id: r.status for r in await rows(app, Attendance)}


async def test_check_in_mismatch_check_by_number_and_absentees(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    theory, tickets, seats = await plan_sitting_now(harness)
    seat = {i: seats[CANDS[i]].id for i in range(4)}
    number = {i: tickets[CANDS[i]].number for i in range(4)}

    # the deputy scans A's QR during the sitting: photo, identity, this sitting's room and seat, ✅ / ⚠️
    harness.clear()
    await harness.feed(u.command(DEPUTY, "start", scan_link(app, tickets[CANDS[A]])))
    (card,) = harness.api.calls_of("sendPhoto")
    assert card.params["photo"] == "AgAC-stored-photo"
    caption = card.params["caption"]
    assert NAMES[A] in caption and "考场 301" in caption and "01号座" in caption and "当前记录：⏳ 未记录" in caption
    assert id_number(A) not in caption and id_number(A)[:4] + "*" * 10 + id_number(A)[-4:] in caption
    assert inline_data(card.params.get("reply_markup")) == [f"fp:ok:{seat[A]}", f"fp:bad:{seat[A]}"]
    await harness.feed(u.callback(DEPUTY, f"fp:ok:{seat[A]}"))
    assert "五对照一致" in harness.last_text() and NAMES[A] in harness.last_text()
    assert harness.api.calls_of("answerCallbackQuery")[-1].params.get("text") == "已记录"

    # the chief of another room scans the same QR: details as before, no buttons
    harness.clear()
    await harness.feed(u.command(OTHER, "start", scan_link(app, tickets[CANDS[A]])))
    (other_card,) = harness.api.calls_of("sendPhoto")
    assert NAMES[A] in other_card.params["caption"] and "reply_markup" not in other_card.params

    # B is not the person on the ticket: ⚠️ records a mismatch and reports it at once
    await harness.feed(u.command(DEPUTY, "start", scan_link(app, tickets[CANDS[B]])))
    await harness.feed(u.callback(DEPUTY, f"fp:bad:{seat[B]}"))
    assert "已记录人证不符" in harness.last_text() and "已立即通知" in harness.last_text()
    notices = await rows(app, Notification, Notification.dedup_key.startswith("fpx:"))  # type: ignore[union-attr]
    assert sorted(n.chat_id for n in notices) == sorted([CHIEF, SUPERVISOR, ADMIN_ID])
    assert all(number[B] in n.payload["text"] and id_number(B) not in n.payload["text"] and NAMES[B] not in n.payload["text"]
               for n in notices)
    await harness.feed(u.callback(CHIEF, f"fp:bad:{seat[B]}"))  # the chief presses the same button: nothing doubles
    assert len(await rows(app, Notification, Notification.dedup_key.startswith("fpx:"))) == 3  # type: ignore[union-attr]
    assert len(await rows(app, Attendance, Attendance.seat_id == seat[B])) == 1

    # /check by typed number: full-width digits and spaces; another room's ticket is not shown; bad numbers explained
    await harness.feed(u.command(CHIEF, "check", number[D]))
    assert "不在您当前负责的考场" in harness.last_text() and NAMES[D] not in harness.last_text()
    await harness.feed(u.command(CHIEF, "check", "2600-12"))
    assert "不是准考证号" in harness.last_text()
    harness.clear()
    typed = f"{number[D][:4]} {number[D][4:]}".translate(FULL_WIDTH)
    await harness.feed(u.command(OTHER, "check", typed))
    (by_number,) = harness.api.calls_of("sendPhoto")
    assert "考场 302" in by_number.params["caption"] and inline_data(by_number.params["reply_markup"])[0] == f"fp:ok:{seat[D]}"
    await harness.feed(u.callback(OTHER, f"fp:ok:{seat[D]}"))
    await harness.feed(u.callback(CANDS[A], f"fp:ok:{seat[C]}"))  # a candidate's forged press reaches no handler
    assert await statuses(app) == {seat[A]: "checked", seat[B]: "mismatch", seat[D]: "checked"}

    # T+30: the room's chief and deputy get C (not yet checked) with a button each and one for all
    due = attendance.as_utc(theory.starts_at) + timedelta(minutes=30, seconds=1)
    assert await attendance.fire_absentees(app, theory.id or 0, due) == 3
    (chief_list,) = await rows(app, Notification, Notification.chat_id == CHIEF, Notification.dedup_key.startswith("atl:"))  # type: ignore[union-attr]
    assert NAMES[C] in chief_list.payload["text"] and NAMES[A] not in chief_list.payload["text"]
    buttons = [b["callback_data"] for row in chief_list.payload["markup"]["rows"] for b in row]
    assert buttons == [f"fp:abs:{seat[C]}", f"fp:absall:{seats[CANDS[C]].room_id}"]
    await harness.feed(u.callback(CHIEF, buttons[-1]))
    assert "尚未记录的 1 名考生记为缺考" in harness.last_text()
    assert await statuses(app) == {seat[A]: "checked", seat[B]: "mismatch", seat[C]: "absent", seat[D]: "checked"}

    # C turns up after all: checking changes the status; /attendance shows the room
    await harness.feed(u.command(DEPUTY, "check", number[C]))
    await harness.feed(u.callback(DEPUTY, f"fp:ok:{seat[C]}"))
    assert "原为「❌ 缺考」" in harness.last_text()
    await harness.feed(u.command(CHIEF, "attendance"))
    assert "应考 3 人：已核验 2，人证不符 1，缺考 0，未记录 0" in harness.last_text()


async def test_outside_the_sitting_the_scan_is_unchanged_and_others_cannot_use_the_commands(harness: Harness) -> None:
    app = harness.app
    sitting = await make_sitting(app, datetime.now(timezone.utc) + timedelta(days=2))
    (ticket,) = await rows(app, Ticket, Ticket.number == sitting.numbers[0])
    harness.clear()
    await harness.feed(u.command(DB_CHIEF, "start", scan_link(app, ticket)))
    (scan,) = harness.api.calls_of("sendPhoto")
    assert "请核对照片" in scan.params["caption"] and "reply_markup" not in scan.params
    await harness.feed(u.command(DB_CHIEF, "check", sitting.numbers[0]))
    assert "没有正在进行的监考场次" in harness.last_text()
    await add_user(app, 669001, "assessor")
    await harness.feed(u.command(669001, "check", sitting.numbers[0]))
    assert "无法识别的命令" in harness.last_text()
    await harness.feed(u.callback(669001, f"fp:ok:{sitting.seats[0]}"))
    assert not await rows(app, Attendance)
    harness.clear()
    await harness.feed(u.command(ADMIN_ID, "attendance", "1101011990030777771380013800"))  # no sitting id: too long
    await harness.feed(u.command(ADMIN_ID, "attendance", "999999"))
    first, second = harness.api.sent_texts()
    assert first == second and "抱歉" not in first, "an over-long number is an unknown sitting, not a failure"


async def test_console_check_and_attendance(app: App) -> None:
    sitting = await make_sitting(app, datetime.now(timezone.utc) - timedelta(minutes=10))
    out = io.StringIO()
    lines = f"/check {sitting.numbers[0]}\n#1\n/attendance\n"
    await Console(app, io.StringIO(lines), out, user_id=DB_CHIEF).run(banner=False)
    printed = out.getvalue()
    assert "[1] ✅ 核验一致" in printed and "五对照一致" in printed
    assert "应考 3 人：已核验 1" in printed
    assert await statuses(app) == {sitting.seats[0]: "checked"}
