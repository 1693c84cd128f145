"""Staff plan a batch, assign proctors, issue tickets; candidates get them, proctors scan them; sessions move.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from bot.scheduler.service import SchedulerService, start_scheduler
from bot.tickets import tokens
from storage.models import Application, AuditLog, ExamBatch, ExamRoom, ExamSession, Notification, Seat, Ticket
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import BIRTH, ID_NUMBER, add_user, insert_application
from tests.support.catalog import open_announcement

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(timezone.utc).astimezone(TZ).date()
EXAM_DAY = TODAY + timedelta(days=10)
CHIEF, DEPUTY, ASSESSOR, SUPERVISOR = 630001, 630002, 630003, 630004
CAND_A, CAND_B, CAND_C, STRANGER = 631001, 631002, 631003, 631999
SECOND_ID = make_resident_id("360102", BIRTH, 125)


async def click(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str, user: int = ADMIN_ID) -> None:
    await harness.feed(u.message(user, text))


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def notices_for(app: App, chat_id: int) -> list[str]:
    return [n.payload["text"] for n in await rows(app, Notification, Notification.chat_id == chat_id)]


async def prepare(app: App) -> int:
    announcement = await open_announcement(app, TODAY)
    for user, role in ((CHIEF, "proctor"), (DEPUTY, "proctor"), (ASSESSOR, "assessor"), (SUPERVISOR, "supervisor")):
        await add_user(app, user, role)
    await insert_application(app, announcement, CAND_A, number="SQ2026000001", status="approved")
    await insert_application(app, announcement, CAND_B, number="SQ2026000002", status="approved", id_number=SECOND_ID,
                             name="李四", subjects=["practical"])
    await insert_application(app, announcement, CAND_C, number="SQ2026000003", status="submitted",
                             id_number=make_resident_id("360102", BIRTH, 127))
    assert announcement.id is not None
    return announcement.id


ROOMS = "理论 301 单人单桌 30\n实操 实训A 工位 1\n实操 实训B 工位 5"


async def create_batch(harness: Harness, announcement_id: int, rooms: str = ROOMS) -> ExamBatch:
    await harness.feed(u.command(ADMIN_ID, "batch"))
    await click(harness, f"fm:c:announcement:{announcement_id}")
    await click(harness, "fm:c:level:4")
    await say(harness, "2026年冬季电工四级认定")
    await say(harness, f"理论 {EXAM_DAY} 09:00-10:30 南昌技师学院1号楼\n实操 {EXAM_DAY} 14:00-16:00 南昌技师学院实训楼")
    await say(harness, rooms)
    summary = harness.last_text()
    assert "理论知识" in summary and "301（单人单桌 30人）" in summary
    await click(harness, "fm:ok")
    assert "已创建批次" in harness.last_text()
    (batch,) = await rows(harness.app, ExamBatch)
    return batch


@pytest.fixture
async def scheduler(harness: Harness) -> AsyncIterator[SchedulerService]:
    """A paused scheduler on the harness's store: jobs are written to the shared job store, never run."""
    service = await start_scheduler(harness.app, paused=True)
    yield service
    await service.shutdown()


async def test_plan_assign_issue_scan_and_move(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    announcement_id = await prepare(app)
    batch = await create_batch(harness, announcement_id)
    sessions = sorted(await rows(app, ExamSession), key=lambda s: s.starts_at)
    theory = sessions[0]
    assert theory.starts_at == datetime.combine(EXAM_DAY, datetime.min.time().replace(hour=9), TZ)
    (room_301,) = await rows(app, ExamRoom, ExamRoom.name == "301")

    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    assert "审核通过 2 人，已排座 0 人" in harness.last_text()
    await click(harness, f"bt:room:{room_301.id}")
    await click(harness, f"bt:chief:{room_301.id}:{CHIEF}")
    assert "主监考" in harness.texts()[-2]
    await click(harness, f"bt:deputy:{room_301.id}:{CHIEF}")
    assert "不能是同一人" in harness.last_text()
    await harness.feed(u.callback(ADMIN_ID, f"bt:room:{room_301.id}"))
    await click(harness, f"bt:chief:{room_301.id}:{CHIEF}")
    await click(harness, f"bt:deputy:{room_301.id}:{DEPUTY}")
    await click(harness, f"bt:asr:{batch.id}")
    await click(harness, f"bt:asr!:{batch.id}:{ASSESSOR}")
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:sup:{batch.id}")
    await click(harness, f"bt:sup!:{batch.id}:{SUPERVISOR}")
    assert any("考场 301" in t and "考前会" in t for t in await notices_for(app, CHIEF))
    assert await notices_for(app, DEPUTY) and await notices_for(app, ASSESSOR) and await notices_for(app, SUPERVISOR)

    await click(harness, f"bt:issue:{batch.id}")
    await click(harness, f"bt:issue!:{batch.id}")
    assert "新发 2 人，已通知 2 人" in harness.texts()[-2]
    tickets = {t.user_id: t for t in await rows(app, Ticket)}
    assert set(tickets) == {CAND_A, CAND_B}
    seats = await rows(app, Seat)
    assert sorted((s.ticket_id, s.subject) for s in seats) == sorted(
        [(tickets[CAND_A].id, "theory"), (tickets[CAND_A].id, "practical"), (tickets[CAND_B].id, "practical")]
    )
    assert any(tickets[CAND_A].number in t for t in await notices_for(app, CAND_A))
    hour_job = f"rem:{tickets[CAND_A].id}:{theory.id}:hour"
    assert await scheduler.run_time(hour_job) == theory.starts_at - timedelta(minutes=60)

    harness.clear()
    await harness.feed(u.command(CAND_A, "ticket"))
    photos, documents = harness.api.calls_of("sendPhoto"), harness.api.calls_of("sendDocument")
    assert len(photos) == 1 and len(documents) == 1
    assert next(iter(photos[0].files.values())).startswith(b"\x89PNG")
    assert next(iter(documents[0].files.values())).startswith(b"%PDF")

    token = tokens.make(app.cipher, tickets[CAND_A].id or 0, 1)
    harness.clear()
    await harness.feed(u.command(CHIEF, "start", f"tk_{token}"))
    (scan,) = harness.api.calls_of("sendPhoto")
    caption = scan.params["caption"]
    assert scan.params["photo"] == "AgAC-stored-photo" and "张三" in caption and "301" in caption
    assert ID_NUMBER not in caption and ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:] in caption
    await harness.feed(u.command(STRANGER, "start", f"tk_{token}"))
    assert harness.last_text() == "这是一张有效的准考证。"
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    await harness.feed(u.command(CHIEF, "start", f"tk_{forged}"))
    assert "不是有效的准考证" in harness.last_text()
    scans = await rows(app, AuditLog, AuditLog.action == "scan_ticket")
    assert [a.actor_id for a in scans] == [CHIEF]

    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:move:{theory.id}")
    await click(harness, "fm:c:change:time")
    later = EXAM_DAY + timedelta(days=1)
    await say(harness, f"{later} 10:00-11:30")
    await click(harness, "fm:ok")
    assert "已通知相关考生" in harness.last_text()
    moved = (await rows(app, ExamSession, ExamSession.id == theory.id))[0]
    assert moved.starts_at == datetime.combine(later, datetime.min.time().replace(hour=10), TZ)
    assert any("考试时间调整" in t for t in await notices_for(app, CAND_A))
    assert not any("考试时间调整" in t for t in await notices_for(app, CAND_B)), "B sits only the practical session"
    assert any("考试时间调整" in t for t in await notices_for(app, CHIEF))
    assert await scheduler.run_time(hour_job) == moved.starts_at - timedelta(minutes=60)


async def test_overfull_rooms_are_reported_and_reseating_is_stable(harness: Harness) -> None:
    app = harness.app
    announcement_id = await prepare(app)
    batch = await create_batch(harness, announcement_id)
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:seat:{batch.id}")
    assert "新排 3 人" in harness.texts()[-2]
    before = sorted((s.ticket_id, s.subject, s.room_id, s.number) for s in await rows(app, Seat))
    await harness.feed(u.callback(ADMIN_ID, f"bt:seat:{batch.id}"))
    assert "新排 0 人，释放 0 个座位" in harness.texts()[-2]
    assert sorted((s.ticket_id, s.subject, s.room_id, s.number) for s in await rows(app, Seat)) == before
    numbers = [t.number for t in await rows(app, Ticket, col(Ticket.id).is_not(None))]
    assert len(numbers) == 2 and all(n.startswith(f"{EXAM_DAY.year % 100:02d}{batch.id:04d}4") for n in numbers)


async def test_candidates_cannot_use_batch_commands_and_have_no_ticket_yet(harness: Harness) -> None:
    await prepare(harness.app)
    await harness.feed(u.command(CAND_A, "batch"))
    assert "已创建批次" not in harness.last_text()
    await harness.feed(u.callback(CAND_A, "bt:seat:1"))
    assert not await rows(harness.app, Seat)
    await harness.feed(u.command(CAND_A, "ticket"))
    assert "还没有已发放的准考证" in harness.last_text()


async def test_late_approval_gets_a_ticket_and_withdrawal_voids_it(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    announcement_id = await prepare(app)
    batch = await create_batch(harness, announcement_id)
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:issue:{batch.id}")
    await click(harness, f"bt:issue!:{batch.id}")
    (late,) = await rows(app, Application, Application.user_id == CAND_C)

    await harness.feed(u.callback(ADMIN_ID, f"rv:ok:{late.id}"))
    (ticket,) = await rows(app, Ticket, Ticket.user_id == CAND_C)
    assert ticket.issued_at is not None and ticket.status == "active"
    assert any(ticket.number in t for t in await notices_for(app, CAND_C))
    assert await scheduler.job_ids(f"rem:{ticket.id}:"), "the late candidate's reminders are planned"
    assert {s.subject for s in await rows(app, Seat, Seat.ticket_id == ticket.id)} == {"theory", "practical"}

    await harness.feed(u.command(CAND_C, "my"))
    await click(harness, f"ap:wd:{late.id}", user=CAND_C)
    await click(harness, f"ap:wd!:{late.id}", user=CAND_C)
    assert "已撤回" in harness.last_text()
    (ticket,) = await rows(app, Ticket, Ticket.user_id == CAND_C)
    assert ticket.status == "void" and not await rows(app, Seat, Seat.ticket_id == ticket.id)
    assert not await scheduler.job_ids(f"rem:{ticket.id}:")
    harness.clear()
    await harness.feed(u.command(CHIEF, "start", f"tk_{tokens.make(app.cipher, ticket.id or 0, 1)}"))
    assert "不是有效的准考证" in harness.last_text()
    await harness.feed(u.callback(CAND_C, f"ap:wd!:{late.id}"))
    assert "不能撤回" in harness.last_text()


async def test_a_room_added_later_seats_whoever_had_no_place(harness: Harness) -> None:
    app = harness.app
    batch = await create_batch(harness, await prepare(app), rooms="理论 301 单人单桌 30\n实操 实训A 工位 1")
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:seat:{batch.id}")
    assert "1 人因容量不足未能排座" in harness.texts()[-2]
    practical = next(s for s in await rows(app, ExamSession) if s.subject == "practical")
    await click(harness, f"bt:move:{practical.id}")
    await click(harness, "fm:c:change:add")
    await say(harness, "实训A 工位 3")
    assert "重复" in harness.texts()[-2]
    await say(harness, "实训C 工位 3")
    await click(harness, "fm:ok")
    assert "已增加考场「实训C」" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:seat:{batch.id}")
    assert "新排 1 人" in harness.texts()[-2] and "未能排座" not in harness.texts()[-2]
    assert [a.action for a in await rows(app, AuditLog, AuditLog.entity == "exam_room")] == ["add_room"]
