"""/assign (DOMAIN A4, C10): staff list the unfinished batches that still lack proctors, assessors, a supervisor or
seats, open one batch's assignment view (by id, #id or name), and assign through it with the batch card's audited
actions, coming back to the view; candidates and proctors get no assignment view. Every Telegram transport runs
through the production dispatcher against the Bot API emulator; the console routes the same command.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from handlers.console import Console
from storage.models import AuditLog, ExamBatch, ExamRoom, ExamSession, Notification, Seat, UserAccount
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import BIRTH, add_user, insert_application
from tests.support.catalog import open_announcement

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(timezone.utc).astimezone(TZ).date()
CHIEF, DEPUTY, ASSESSOR, SUPERVISOR = 640001, 640002, 640003, 640004
CAND_A, CAND_B = 641001, 641002
NAMES = {CHIEF: "王主考", DEPUTY: "李副考", ASSESSOR: "赵考评", SUPERVISOR: "钱督导"}
OPEN, DONE, PAST, CANCELLED = "2026冬季电工四级", "2026冬季电工三级", "2026秋季电工四级", "已取消的批次"


@dataclass(frozen=True)
class Batches:
    """Ids of the stored batches and of the rooms of the one needing work (theory 301, practical 实训A)."""

    open: int
    done: int
    past: int
    cancelled: int
    room_301: int
    room_lab: int


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def examiners(app: App) -> None:
    for user, role in ((CHIEF, "proctor"), (DEPUTY, "proctor"), (ASSESSOR, "assessor"), (SUPERVISOR, "supervisor")):
        await add_user(app, user, role)
    async with app.sessions() as session:
        for user_id, name in NAMES.items():
            account = await session.get(UserAccount, user_id)
            assert account is not None
            account.full_name = name
            session.add(account)
        await session.commit()


async def store_batch(app: App, announcement_id: int, occupation_id: int, name: str, level: int, day: date,
                      status: str = "planned", staffed: bool = False) -> tuple[int, list[int]]:
    """A batch with a theory and a practical sitting on `day`, one room each; `staffed`: every examiner assigned."""
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement_id, occupation_id=occupation_id, level=level, name=name,
                          exam_date=day, status=status, supervisor_id=SUPERVISOR if staffed else None,
                          assessor_ids=[ASSESSOR] if staffed else [])
        session.add(batch)
        await session.flush()
        rooms = []
        for hour, subject, room, kind in ((9, "theory", "301", "desk"), (14, "practical", "实训A", "station")):
            start = datetime.combine(day, datetime.min.time().replace(hour=hour), TZ).astimezone(timezone.utc)
            sitting = ExamSession(batch_id=batch.id or 0, subject=subject, starts_at=start, ends_at=start + timedelta(hours=2),
                                  site="南昌技师学院")
            session.add(sitting)
            await session.flush()
            chief = CHIEF if staffed or subject == "theory" else None
            row = ExamRoom(session_id=sitting.id or 0, name=room, kind=kind, capacity=10, chief_id=chief,
                           deputy_id=DEPUTY if staffed else None)
            session.add(row)
            await session.flush()
            rooms.append(row.id or 0)
        await session.commit()
        return batch.id or 0, rooms


async def seed(app: App, everything_done: bool = False) -> Batches:
    """Level 4 has two approved candidates; the open level-4 batch lacks a deputy in 301, both proctors in 实训A,
    assessors, supervisor and seats; the level-3 batch is complete; a past and a cancelled batch lack everything."""
    announcement = await open_announcement(app, TODAY)
    assert announcement.id is not None
    await examiners(app)
    await insert_application(app, announcement, CAND_A, number="SQ2026100001", status="approved")
    await insert_application(app, announcement, CAND_B, number="SQ2026100002", status="approved", name="李四",
                             id_number=make_resident_id("360102", BIRTH, 125), subjects=["practical"])
    ids = (announcement.id, announcement.occupation_id)
    day = TODAY + timedelta(days=10)
    done, _ = await store_batch(app, *ids, DONE, 3, day + timedelta(days=1), staffed=True)
    past, _ = await store_batch(app, *ids, PAST, 4, TODAY - timedelta(days=20))
    cancelled, _ = await store_batch(app, *ids, CANCELLED, 4, day, status="cancelled")
    if everything_done:
        return Batches(0, done, past, cancelled, 0, 0)
    opened, (room_301, room_lab) = await store_batch(app, *ids, OPEN, 4, day)
    return Batches(opened, done, past, cancelled, room_301, room_lab)


async def click(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


def callbacks(harness: Harness) -> list[str]:
    return [str(b.get("callback_data")) for b in harness.buttons()]


async def test_the_list_shows_only_unfinished_batches_with_missing_work(harness: Harness) -> None:
    batches = await seed(harness.app)
    await harness.feed(u.command(ADMIN_ID, "assign"))
    text = harness.last_text()
    assert OPEN in text and DONE not in text and PAST not in text and CANCELLED not in text
    assert "1 个考场无主监考" in text and "2 个考场无副监考" in text and "考评人员" in text and "督导人员" in text
    assert "2 名审核通过的考生未排座" in text
    assert callbacks(harness) == [f"bt:show:{batches.open}:as"]


async def test_nothing_missing_is_said_and_recent_batches_can_still_be_opened(harness: Harness) -> None:
    batches = await seed(harness.app, everything_done=True)
    await harness.feed(u.command(ADMIN_ID, "assign"))
    assert "都已指派齐全" in harness.last_text() and DONE in harness.last_text()
    await click(harness, f"bt:show:{batches.done}:as")
    view = harness.last_text()
    assert f"批次 #{batches.done}" in view and "王主考" in view and "钱督导" in view and "指派和排座均已完成" in view
    assert f"bt:seat:{batches.done}:as" not in callbacks(harness), "nobody to seat: no seating button"


async def test_a_batch_is_opened_by_id_hash_id_or_name_and_an_unknown_one_is_explained(harness: Harness) -> None:
    batches = await seed(harness.app)
    for target in (str(batches.open), f"#{batches.open}", f"＃{batches.open}", OPEN):
        harness.clear()
        await harness.feed(u.command(ADMIN_ID, "assign", target))
        view = harness.last_text()
        assert view.startswith(f"指派 · 批次 #{batches.open}「{OPEN}」"), target
        assert "考场 301：主监考 王主考；副监考 未指派" in view and "考场 实训A：主监考 未指派；副监考 未指派" in view
        assert "审核通过但未排座：2 人" in view
    assert callbacks(harness) == [
        f"bt:room:{batches.room_301}:as", f"bt:room:{batches.room_lab}:as", f"bt:asr:{batches.open}:as",
        f"bt:sup:{batches.open}:as", f"bt:seat:{batches.open}:as", f"bt:show:{batches.open}", "bt:list:as",
    ]
    for target in ("98765", "没有这个批次"):
        await harness.feed(u.command(ADMIN_ID, "assign", target))
        assert f"找不到批次「{target}」" in harness.last_text()


async def test_assigning_through_the_view_is_audited_notified_and_comes_back(harness: Harness) -> None:
    app, batches = harness.app, await seed(harness.app)
    lab = batches.room_lab
    await harness.feed(u.command(ADMIN_ID, "assign", str(batches.open)))
    await click(harness, f"bt:room:{lab}:as")
    assert "实训A 的主监考" in harness.last_text()
    await click(harness, f"bt:chief:{lab}:{CHIEF}:as")
    assert "实训A 的副监考" in harness.last_text() and f"bt:show:{batches.open}:as" in callbacks(harness)
    await click(harness, f"bt:deputy:{lab}:{DEPUTY}:as")
    assert "已指派 李副考 为考场 实训A 的副监考" in harness.texts()[-2]
    assert "考场 实训A：主监考 王主考；副监考 李副考" in harness.last_text(), "back on the assignment view"
    (room,) = await rows(app, ExamRoom, ExamRoom.id == lab)
    assert (room.chief_id, room.deputy_id) == (CHIEF, DEPUTY)
    audits = await rows(app, AuditLog, AuditLog.entity == "exam_room")
    assert [(a.action, a.actor_id, a.entity_id) for a in audits] == [("set_chief", ADMIN_ID, str(lab)),
                                                                      ("set_deputy", ADMIN_ID, str(lab))]
    assert any("实训A" in n.payload["text"] for n in await rows(app, Notification, Notification.chat_id == DEPUTY))

    await click(harness, f"bt:sup:{batches.open}:as")
    await click(harness, f"bt:sup!:{batches.open}:{SUPERVISOR}:as")
    assert "督导人员：钱督导" in harness.last_text()
    await click(harness, f"bt:asr:{batches.open}:as")
    await click(harness, f"bt:asr!:{batches.open}:{ASSESSOR}:as")
    await click(harness, f"bt:show:{batches.open}:as")
    assert "考评人员：赵考评" in harness.last_text()
    await click(harness, f"bt:seat:{batches.open}:as")
    assert "新排 3 人" in harness.texts()[-2] and "审核通过但未排座：0 人" in harness.last_text()
    assert len(await rows(app, Seat)) == 3

    await click(harness, "bt:list:as")
    assert OPEN in harness.last_text() and "1 个考场无副监考" in harness.last_text() and "督导人员" not in harness.last_text()
    await harness.feed(u.callback(ADMIN_ID, f"bt:room:{batches.room_301}:as"))
    await click(harness, f"bt:chief:{batches.room_301}:{CHIEF}:as")
    await click(harness, f"bt:deputy:{batches.room_301}:{DEPUTY}:as")
    assert "指派和排座均已完成" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "assign"))
    assert "都已指派齐全" in harness.last_text()


async def test_candidates_and_proctors_get_no_assignment_view(harness: Harness) -> None:
    batches = await seed(harness.app)
    for user in (CAND_A, CHIEF):
        for target in ("", str(batches.open)):
            harness.clear()
            await harness.feed(u.command(user, "assign", target))
            assert "无法识别的命令" in harness.last_text() and OPEN not in harness.last_text()
        await harness.feed(u.callback(user, f"bt:chief:{batches.room_lab}:{DEPUTY}:as"))
        await harness.feed(u.callback(user, f"bt:show:{batches.open}:as"))
        assert OPEN not in harness.last_text()
    (room,) = await rows(harness.app, ExamRoom, ExamRoom.id == batches.room_lab)
    assert room.chief_id is None and not await rows(harness.app, AuditLog, AuditLog.entity == "exam_room")


async def test_console_assign_lists_and_opens_the_view(app: App) -> None:
    batches = await seed(app)
    await add_user(app, 1, "staff")
    out = io.StringIO()
    await Console(app, io.StringIO("/assign\n#1\n#2\n"), out, user_id=1).run(banner=False)
    printed = out.getvalue()
    assert "还有指派工作未完成" in printed and f"指派 · 批次 #{batches.open}" in printed and "实训A 的主监考" in printed
    out = io.StringIO()
    await Console(app, io.StringIO("/assign\n"), out, user_id=CHIEF).run(banner=False)
    assert "无法识别的命令" in out.getvalue() and OPEN not in out.getvalue()
