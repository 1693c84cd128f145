"""The room record through the production dispatcher on every transport: a batch is planned, proctors assigned and
tickets issued through the bot; the sitting ends, the job at E asks the chief proctor for the papers count, the chief
confirms it with one tap, staff are notified and get the PDF and xlsx; /room_record by staff; nobody else can use it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.delivery import DeliveryWorker
from bot.scheduler.room_record_jobs import fire_room_record
from bot.scheduler.service import SchedulerService, start_scheduler
from storage.models import Attendance, AuditLog, ExamRoom, ExamSession, RoomRecord, Seat, Ticket
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support import font_cache
from tests.support.applications import add_user
from tests.test_scenarios_batches import CAND_A, CHIEF, DEPUTY, click, create_batch, prepare, rows

STAFF_ID, OTHER_PROCTOR = 660001, 660002


@pytest.fixture(scope="module")
def built_faces() -> list[Path]:
    """The reduced PDF font faces (built once per machine)."""
    return font_cache.build()


@pytest.fixture(autouse=True)
def faces_in_data_dir(built_faces: list[Path], tmp_path: Path) -> None:
    """Each test's DATA_DIR (tmp_path/data, see conftest.make_settings) already holds the built faces."""
    font_cache.link_into(built_faces, tmp_path / "data")


class Clock:
    """A monotonic clock that sleeping moves forward at once (the outbox keeps one message per second per chat)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def deliver(harness: Harness) -> int:
    """Send every due outbox notification through the transport under test."""
    clock = Clock()
    return await DeliveryWorker(harness.app, harness.transport.deliver, clock=clock, sleep=clock.sleep).drain_once()


def sent_to(harness: Harness, chat_id: int) -> list[dict[str, Any]]:
    """Parameters of the sendMessage calls to one chat."""
    return [c.params for c in harness.api.calls_of("sendMessage") if int(c.params.get("chat_id", 0)) == chat_id]


def buttons_of(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
async def scheduler(harness: Harness) -> AsyncIterator[SchedulerService]:
    """A paused scheduler on the harness's store: jobs are written (and the job functions see this App), never run."""
    service = await start_scheduler(harness.app, paused=True)
    yield service
    await service.shutdown()


async def ended_sitting(harness: Harness, scheduler: SchedulerService) -> tuple[ExamSession, ExamRoom]:
    """Through the bot: a batch, chief and deputy of room 301, tickets issued; then the theory sitting is moved into
    the past (it took place) and candidate A's five-point check is recorded."""
    app = harness.app
    await add_user(app, STAFF_ID, "staff")
    await add_user(app, OTHER_PROCTOR, "proctor")
    batch = await create_batch(harness, await prepare(app))
    (room,) = await rows(app, ExamRoom, ExamRoom.name == "301")
    await harness.feed(u.command(ADMIN_ID, "batches"))
    await click(harness, f"bt:show:{batch.id}")
    await click(harness, f"bt:room:{room.id}")
    await click(harness, f"bt:chief:{room.id}:{CHIEF}")
    await click(harness, f"bt:deputy:{room.id}:{DEPUTY}")
    await click(harness, f"bt:issue:{batch.id}")
    await click(harness, f"bt:issue!:{batch.id}")
    (theory,) = await rows(app, ExamSession, ExamSession.id == room.session_id)
    assert await scheduler.run_time(f"rr:{theory.id}") == theory.ends_at, "issuing tickets plans the job at E"

    starts = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
    (ticket,) = await rows(app, Ticket, Ticket.user_id == CAND_A)
    (seat,) = await rows(app, Seat, Seat.ticket_id == ticket.id, Seat.room_id == room.id)
    async with app.sessions() as session:
        exam = await session.get(ExamSession, theory.id)
        assert exam is not None
        exam.starts_at, exam.ends_at = starts, starts + timedelta(minutes=90)
        session.add(exam)
        session.add(Attendance(seat_id=seat.id or 0, session_id=exam.id or 0, room_id=room.id or 0, ticket_id=ticket.id or 0,
                               status="checked", recorded_by=DEPUTY))
        await session.commit()
        await session.refresh(exam)
        return exam, room


def documents(harness: Harness, chat_id: int) -> list[tuple[str, bytes]]:
    """(caption, file bytes) of the sendDocument calls to one chat."""
    out = []
    for call in harness.api.calls_of("sendDocument"):
        if int(call.params.get("chat_id", 0)) == chat_id:
            out.append((str(call.params.get("caption", "")), next(iter(call.files.values()))))
    return out


def check_files(files: list[tuple[str, bytes]], ticket_number: str) -> None:
    """A PDF and a workbook whose roster row shows the checked candidate."""
    assert len(files) == 2
    (pdf_caption, pdf), (xlsx_caption, xlsx) = files
    assert pdf.startswith(b"%PDF-") and "考场情况记录表" in pdf_caption and "301" in pdf_caption
    assert "Excel" in xlsx_caption
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert sheet.title == "301"
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "职业技能等级认定 考场情况记录表"
    (row,) = [r for r in values if r[1] == ticket_number]
    assert row[0] == 1 and row[2] == "张三" and row[3] == "已核验"


async def test_end_of_sitting_chief_confirms_and_staff_get_the_record(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    theory, room = await ended_sitting(harness, scheduler)
    (ticket,) = await rows(app, Ticket, Ticket.user_id == CAND_A)
    await deliver(harness)
    harness.clear()

    await fire_room_record(theory.id or 0)
    await fire_room_record(theory.id or 0)  # a repeated (late) fire asks nobody twice
    assert await deliver(harness) == 1
    (ask,) = sent_to(harness, CHIEF)
    assert "考场 301 考试结束" in ask["text"] and "实到 1 人" in ask["text"] and f"/papers {room.id}" in ask["text"]
    assert buttons_of(ask) == [f"rp:ok:{room.id}:1"]

    await harness.feed(u.callback(CHIEF, f"rp:ok:{room.id}:1"))
    assert "已确认考场 301" in harness.last_text() and "1 份" in harness.last_text()
    (record,) = await rows(app, RoomRecord)
    assert (record.room_id, record.papers_count, record.papers_confirmed_by) == (room.id, 1, CHIEF)
    assert record.summary["counts"]["checked"] == 1
    assert [a.actor_id for a in await rows(app, AuditLog, AuditLog.action == "confirm_papers")] == [CHIEF]

    harness.clear()
    assert await deliver(harness) == 2
    for staff in (ADMIN_ID, STAFF_ID):
        (notice,) = sent_to(harness, staff)
        assert "考场情况记录表已汇总" in notice["text"] and "收回试卷（答题卡）1 份" in notice["text"]
        assert buttons_of(notice) == [f"rr:get:{room.id}"]
    assert not sent_to(harness, CHIEF) and not sent_to(harness, CAND_A)

    await harness.feed(u.callback(STAFF_ID, f"rr:get:{room.id}"))
    check_files(documents(harness, STAFF_ID), ticket.number)
    exports = await rows(app, AuditLog, AuditLog.action == "export", AuditLog.entity == "room_record")
    assert [e.actor_id for e in exports] == [STAFF_ID]


async def test_papers_typed_with_another_count_and_notes(harness: Harness, scheduler: SchedulerService) -> None:
    theory, room = await ended_sitting(harness, scheduler)
    await harness.feed(u.command(DEPUTY, "papers"))
    assert "用法：/papers" in harness.last_text()
    await harness.feed(u.command(DEPUTY, "papers", f"{room.id} 0 考生交白卷后离场"))
    texts = harness.texts()
    assert "已确认考场 301" in texts[-2] and "不一致" in texts[-1]
    (record,) = await rows(harness.app, RoomRecord)
    assert (record.papers_count, record.papers_confirmed_by, record.notes) == (0, DEPUTY, "考生交白卷后离场")
    await harness.feed(u.command(OTHER_PROCTOR, "papers", f"{room.id} 1"))
    assert "不是考场 301 的监考人员" in harness.last_text()
    await harness.feed(u.command(DEPUTY, "papers", "999999 1"))
    assert "没有编号为 999999 的考场" in harness.last_text()
    (record,) = await rows(harness.app, RoomRecord)
    assert record.papers_count == 0


async def test_staff_list_sittings_and_get_records(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    theory, room = await ended_sitting(harness, scheduler)
    (ticket,) = await rows(app, Ticket, Ticket.user_id == CAND_A)
    harness.clear()
    await harness.feed(u.command(ADMIN_ID, "room_record"))
    assert f"#{theory.id}" in harness.last_text() and "理论知识" in harness.last_text()
    assert f"rr:s:{theory.id}" in [b.get("callback_data") for b in harness.buttons()]
    await click(harness, f"rr:s:{theory.id}")
    assert "考场 301：应到 1 人，试卷份数未确认" in harness.last_text()
    await click(harness, f"rr:get:{room.id}")
    check_files(documents(harness, ADMIN_ID), ticket.number)

    harness.clear()
    await harness.feed(u.command(ADMIN_ID, "room_record", f"{theory.id} 301"))
    check_files(documents(harness, ADMIN_ID), ticket.number)
    await harness.feed(u.command(ADMIN_ID, "room_record", "999999"))
    assert "没有找到这个场次或考场" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "room_record", "三零一"))
    assert "用法：/room_record" in harness.last_text()
    assert len(await rows(app, AuditLog, AuditLog.action == "export", AuditLog.entity == "room_record")) == 2


async def test_candidates_and_staff_cannot_use_the_other_roles_commands(harness: Harness, scheduler: SchedulerService) -> None:
    app = harness.app
    theory, room = await ended_sitting(harness, scheduler)
    harness.clear()
    await harness.feed(u.command(CAND_A, "room_record"))
    assert "无法识别的命令 /room_record" in harness.last_text()
    await harness.feed(u.command(CAND_A, "room_record", f"{theory.id}"))
    await harness.feed(u.callback(CAND_A, f"rr:get:{room.id}"))
    await harness.feed(u.callback(CAND_A, f"rr:all:{theory.id}"))
    assert not harness.api.calls_of("sendDocument")
    await harness.feed(u.command(CAND_A, "papers", f"{room.id} 1"))
    assert "无法识别的命令 /papers" in harness.last_text()
    await harness.feed(u.callback(CAND_A, f"rp:ok:{room.id}:1"))
    await harness.feed(u.callback(ADMIN_ID, f"rp:ok:{room.id}:1"))
    await harness.feed(u.command(ADMIN_ID, "papers", f"{room.id} 1"))
    assert "无法识别的命令 /papers" in harness.last_text()
    assert not await rows(app, RoomRecord)
    assert not await rows(app, AuditLog, AuditLog.entity == "room_record")
