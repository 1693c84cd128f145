"""Staff deadlines end to end on every Telegram transport (production dispatcher, Bot API emulator): /deadlines lists
them per batch, /done and the done button mark one done (audited, its jobs dropped), a candidate is refused, /holidays
takes a holiday file, reports on it and stores it only on confirmation; and in the console."""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from typing import Any

from sqlmodel import select

from bot.scheduler.service import start_scheduler
from bot.services import staff_deadlines
from handlers.console import Console
from storage.models import AuditLog, BatchDeadline, WorkCalendarYear
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import add_user
from tests.support.checklist_sitting import SHANGHAI, STAFF, make_sitting

STARTS = datetime(2030, 6, 14, 9, 0, tzinfo=SHANGHAI)
CANDIDATE = 652001
HOLIDAYS_2030 = "date,kind\n2030-10-01,休\n2030-10-02,休\n2030-10-07,休\n2030-09-29,班\n".encode()
_uploads = itertools.count(1)


def send_file(harness: Harness, user: int, content: bytes, name: str = "2030节假日.csv") -> dict[str, Any]:
    file_id = f"BQAC-holidays-{next(_uploads)}"
    harness.api.files[file_id] = content
    document = {"file_id": file_id, "file_unique_id": file_id[::-1], "file_name": name, "file_size": len(content),
                "mime_type": "text/csv"}
    return u.message(user, document=document)


def callbacks(harness: Harness) -> list[str]:
    return [str(b.get("callback_data")) for b in harness.buttons()]


async def done_rules(harness: Harness, batch_id: int) -> list[str]:
    async with harness.app.sessions() as session:
        query = select(BatchDeadline).where(BatchDeadline.batch_id == batch_id)
        return sorted(r.rule for r in (await session.exec(query)).all() if r.done_at is not None)


async def seeded(harness: Harness) -> int:
    ids = await make_sitting(harness.app, STARTS)
    await add_user(harness.app, CANDIDATE, "candidate", None)
    await staff_deadlines.refresh_batch(harness.app, ids.batch_id)
    return ids.batch_id


async def test_deadlines_listed_and_marked_done_by_command_and_button(harness: Harness) -> None:
    batch_id = await seeded(harness)
    jobs = await start_scheduler(harness.app, paused=True)
    try:
        await staff_deadlines.refresh_batch(harness.app, batch_id)
        assert await jobs.job_ids(f"dl:{batch_id}:P2:")
        await harness.feed(u.command(STAFF, "deadlines"))
        text = harness.last_text()
        assert f"批次 #{batch_id} 电工四级" in text and "P2" in text and "2030-06-05" in text and "（暂定）" in text
        assert "P8-paper" not in text, "the open list shows what is still to do"
        assert f"dd:{batch_id}:P2" in callbacks(harness)

        harness.clear()
        await harness.feed(u.command(STAFF, "done", f"{batch_id} p2"))
        assert "已标记完成" in harness.last_text() and "P2" in harness.last_text()
        assert await done_rules(harness, batch_id) == ["P2"]
        assert await jobs.job_ids(f"dl:{batch_id}:P2:") == [], "its reminders and escalation are dropped"
        assert await jobs.job_ids(f"dl:{batch_id}:P3:")

        harness.clear()
        await harness.feed(u.callback(ADMIN_ID, f"dd:{batch_id}:P3"))
        assert await done_rules(harness, batch_id) == ["P2", "P3"]
        assert harness.api.calls_of("answerCallbackQuery")
        harness.clear()
        await harness.feed(u.callback(ADMIN_ID, f"dd:{batch_id}:P3"))
        assert "此前已标记完成" in harness.last_text()

        harness.clear()
        await harness.feed(u.command(STAFF, "deadlines", str(batch_id)))
        one = harness.last_text()
        assert "P8-paper" in one and "不早于" in one and one.count("已完成") == 2
        async with harness.app.sessions() as session:
            audits = (await session.exec(select(AuditLog).where(AuditLog.action == "deadline_done"))).all()
        assert [a.actor_id for a in audits] == [STAFF, ADMIN_ID]

        harness.clear()
        await harness.feed(u.command(STAFF, "done", f"{batch_id} P99"))
        assert "没有这项工作时限" in harness.last_text()
        await harness.feed(u.command(STAFF, "done", "x"))
        assert "用法：/done" in harness.last_text()
    finally:
        await jobs.shutdown()


async def test_a_candidate_is_refused(harness: Harness) -> None:
    batch_id = await seeded(harness)
    for update in (u.command(CANDIDATE, "deadlines"), u.command(CANDIDATE, "done", f"{batch_id} P2"),
                   u.callback(CANDIDATE, f"dd:{batch_id}:P2"), u.command(CANDIDATE, "holidays")):
        harness.clear()
        await harness.feed(update)
        assert "P2" not in harness.last_text() and "节假日" not in harness.last_text()
    assert await done_rules(harness, batch_id) == []


async def test_holiday_file_checked_then_stored_on_confirmation(harness: Harness) -> None:
    batch_id = await seeded(harness)
    async with harness.app.sessions() as session:
        assert (await session.get(BatchDeadline, 1)) is not None
    await harness.feed(u.command(STAFF, "holidays"))
    assert "节假日安排文件" in harness.last_text()
    harness.clear()
    await harness.feed(send_file(harness, STAFF, HOLIDAYS_2030))
    report = harness.last_text()
    assert "2030节假日.csv" in report and "是否保存" in report
    assert callbacks(harness) == ["hd:ok", "hd:no"]
    async with harness.app.sessions() as session:
        assert (await session.exec(select(WorkCalendarYear))).all() == [], "nothing stored before the confirmation"
    harness.clear()
    await harness.feed(u.callback(STAFF, "hd:ok"))
    assert "✅" in harness.last_text() and "重新计算" in harness.last_text()
    async with harness.app.sessions() as session:
        (year,) = (await session.exec(select(WorkCalendarYear))).all()
        assert year.year == 2030 and year.loaded_by == STAFF
        p2 = (await session.exec(select(BatchDeadline).where(BatchDeadline.batch_id == batch_id, BatchDeadline.rule == "P2"))).one()
        assert not p2.provisional, "the loaded year firms up the batch's dates"
    harness.clear()
    await harness.feed(u.callback(STAFF, "hd:ok"))
    assert "没有等待确认的节假日文件" in harness.last_text()


async def test_holiday_file_dropped_and_a_roster_without_holidays_is_not_taken(harness: Harness) -> None:
    await seeded(harness)
    await harness.feed(u.command(STAFF, "holidays"))
    await harness.feed(send_file(harness, STAFF, HOLIDAYS_2030))
    harness.clear()
    await harness.feed(u.callback(STAFF, "hd:no"))
    assert "已放弃" in harness.last_text()
    await harness.feed(send_file(harness, STAFF, "date,kind\n2025-10-01,休\n".encode(), name="2025.csv"))
    assert "hd:ok" not in callbacks(harness), "after the drop the next file is no longer a holiday file"
    async with harness.app.sessions() as session:
        assert (await session.exec(select(WorkCalendarYear))).all() == []


async def test_cancel_stops_waiting_for_the_holiday_file_and_drops_a_checked_one(harness: Harness) -> None:
    await seeded(harness)
    await harness.feed(u.command(STAFF, "holidays"))
    harness.clear()
    await harness.feed(u.command(STAFF, "cancel"))
    assert "已停止等待文件" in harness.last_text()
    await harness.feed(send_file(harness, STAFF, HOLIDAYS_2030))
    assert "hd:ok" not in callbacks(harness), "after /cancel the next file is not taken as the holiday file"
    await harness.feed(u.command(STAFF, "holidays"))
    await harness.feed(send_file(harness, STAFF, HOLIDAYS_2030))
    assert callbacks(harness)[-2:] == ["hd:ok", "hd:no"]
    harness.clear()
    await harness.feed(u.command(STAFF, "cancel"))
    assert "已停止等待文件" in harness.last_text()
    await harness.feed(u.callback(STAFF, "hd:ok"))
    assert "没有等待确认的节假日文件" in harness.last_text(), "the checked file was dropped by /cancel"
    await harness.feed(u.command(STAFF, "cancel"))
    assert "当前没有进行中的填写" in harness.last_text()
    async with harness.app.sessions() as session:
        assert (await session.exec(select(WorkCalendarYear))).all() == []


async def test_console_deadlines_and_done(harness: Harness) -> None:
    batch_id = await seeded(harness)
    out = io.StringIO()
    console = Console(harness.app, io.StringIO(f"/deadlines\n/done {batch_id} P4\n#quit\n"), out, user_id=STAFF)
    await console.run()
    assert f"批次 #{batch_id}" in out.getvalue() and "已标记完成" in out.getvalue()
    assert await done_rules(harness, batch_id) == ["P4"]
