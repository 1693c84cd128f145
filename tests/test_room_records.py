"""Room records (考场情况记录表, C9): assembly from seats, attendance and incidents; the papers count; the job at E and
its planning; the PDF and xlsx files; the pure parsing and the locale keys."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.app import App
from bot.i18n import I18n
from bot.rendering.fonts import FontMissing
from bot.rendering.layout import Bullet, Field, Section, Table
from bot.rules import violations
from bot.rules.id_numbers import make_resident_id
from bot.scheduler.room_record_jobs import fire_room_record
from bot.scheduler.service import SchedulerService
from bot.services import exam_day, room_record_files, room_records
from flows import room_record as flow
from handlers.console import Console
from flows.context import FlowContext
from flows.replies import Document, Text
from flows.state import ConversationState
from storage.models import (
    Attendance,
    AuditLog,
    ExamBatch,
    ExamRoom,
    ExamSession,
    Incident,
    Notification,
    RoomRecord,
    Seat,
    Ticket,
)
from storage.repositories import users
from tests.support import font_cache
from tests.support.applications import add_user, insert_application
from tests.support.catalog import open_announcement
from tests.test_ticket_render import _pdf_text

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHIEF, DEPUTY, OTHER_PROCTOR, STAFF, ADMIN, CANDIDATE = 650001, 650002, 650003, 650004, 650005, 651000
NAMES = ("张三", "李四", "王五", "赵六", "欧阳娜娜")


@pytest.fixture(scope="module")
def built_faces() -> list[Path]:
    """The reduced PDF font faces (built once per machine)."""
    return font_cache.build()


@pytest.fixture(autouse=True)
def faces_in_data_dir(built_faces: list[Path], tmp_path: Path) -> None:
    """Each test's DATA_DIR (tmp_path/data, see conftest.make_settings) already holds the built faces."""
    font_cache.link_into(built_faces, tmp_path / "data")


@dataclass(frozen=True)
class Sitting:
    """A theory sitting with room 301 (chief and deputy, five candidates) and an empty room 302 without proctors."""

    batch_id: int
    session_id: int
    room: int
    empty_room: int
    tickets: list[int]
    seats: list[int]
    numbers: list[str]
    id_numbers: list[str]
    starts_at: datetime
    ends_at: datetime


async def make_sitting(app: App, starts_at: datetime, seated: int = 5) -> Sitting:
    """The examiners and staff, a batch with one sitting of 90 minutes, `seated` candidates in 301 (seats 1…n)."""
    for user_id, role in ((CHIEF, "proctor"), (DEPUTY, "proctor"), (OTHER_PROCTOR, "proctor"), (STAFF, "staff"), (ADMIN, "admin")):
        await add_user(app, user_id, role)
    async with app.sessions() as session:
        for user_id, name in ((CHIEF, "王主监"), (DEPUTY, "李副监")):
            account = await users.get(session, user_id)
            assert account is not None
            account.full_name = name
            session.add(account)
        await session.commit()
    announcement = await open_announcement(app, date.today())
    ends_at = starts_at + timedelta(minutes=90)
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4, name="2026年冬季电工四级认定",
                          exam_date=starts_at.date(), tickets_issued_at=datetime.now(UTC), status="issued")
        session.add(batch)
        await session.flush()
        exam = ExamSession(batch_id=batch.id or 0, subject="theory", starts_at=starts_at, ends_at=ends_at, site="南昌技师学院1号楼")
        session.add(exam)
        await session.flush()
        room = ExamRoom(session_id=exam.id or 0, name="301", kind="desk", capacity=30, position=0, chief_id=CHIEF, deputy_id=DEPUTY)
        empty = ExamRoom(session_id=exam.id or 0, name="302", kind="desk", capacity=30, position=1)
        session.add_all([room, empty])
        await session.commit()
        batch_id, session_id, room_id, empty_id = batch.id or 0, exam.id or 0, room.id or 0, empty.id or 0
    tickets, seats, numbers, id_numbers = [], [], [], []
    for seq in range(1, seated + 1):
        id_number = make_resident_id("360102", date(1991, 3, 14), 300 + seq)
        application = await insert_application(app, announcement, CANDIDATE + seq, number=f"SQ20268800{seq:02d}", status="approved",
                                               id_number=id_number, name=NAMES[(seq - 1) % len(NAMES)])
        async with app.sessions() as session:
            ticket = Ticket(number=f"2600{batch_id:04d}4{seq:04d}", batch_id=batch_id, application_id=application.id or 0,
                            user_id=CANDIDATE + seq, sequence=seq, issued_at=datetime.now(UTC))
            session.add(ticket)
            await session.flush()
            seat = Seat(ticket_id=ticket.id or 0, subject="theory", session_id=session_id, room_id=room_id, number=seq)
            session.add(seat)
            await session.commit()
            tickets.append(ticket.id or 0)
            seats.append(seat.id or 0)
            numbers.append(ticket.number)
            id_numbers.append(id_number)
    return Sitting(batch_id, session_id, room_id, empty_id, tickets, seats, numbers, id_numbers, starts_at, ends_at)


async def mark(app: App, s: Sitting, index: int, status: str, note: str = "") -> None:
    """An attendance row for the candidate at `index` (as the attendance feature records it)."""
    async with app.sessions() as session:
        session.add(Attendance(seat_id=s.seats[index], session_id=s.session_id, room_id=s.room, ticket_id=s.tickets[index],
                               status=status, note=note, recorded_by=DEPUTY))
        await session.commit()


async def report(app: App, s: Sitting, index: int, number: str, code: str, sanction: str, status: str) -> None:
    """An incident row for the candidate at `index` (as the incident feature records it)."""
    async with app.sessions() as session:
        session.add(Incident(number=number, session_id=s.session_id, room_id=s.room, ticket_id=s.tickets[index], code=code,
                             sanction=sanction, status=status, reported_by=CHIEF, description="手机藏于袖中"))
        await session.commit()


async def rows(app: App, model: type, *where: Any) -> list[Any]:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def assembled(app: App, room_id: int, now: datetime | None = None) -> RoomRecord:
    async with app.sessions() as session:
        record = await room_records.assemble(app, session, room_id, now)
        await session.commit()
        assert record is not None
        return record


async def confirm(app: App, actor: int, room_id: int, count: int, notes: str | None = None,
                  now: datetime | None = None) -> room_records.Confirmed | room_records.Refused:
    async with app.sessions() as session:
        result = await room_records.confirm_papers(app, session, actor, flow.PapersInput(room_id, count, notes), now or datetime.now(UTC))
        await session.commit()
        return result


def past() -> datetime:
    """A sitting that started two hours ago (it ended half an hour ago)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


async def full_sitting(app: App) -> Sitting:
    """Five candidates: two checked, one mismatch, one absent, one unrecorded; a signed V2 and a rejected V1 incident."""
    s = await make_sitting(app, past())
    await mark(app, s, 0, "checked")
    await mark(app, s, 1, "checked")
    await mark(app, s, 2, "mismatch", "照片与本人不符")
    await mark(app, s, 3, "absent")
    await report(app, s, 1, "WJ2026000001", "V2.device", violations.CANCEL_ALL_YEAR, "signed")
    await report(app, s, 2, "WJ2026000002", "V1.seat", violations.CANCEL_SUBJECT, "rejected")
    return s


# --- assembly -------------------------------------------------------------------------------------------------------


async def test_assembly_counts_from_attendance_and_incidents(app: App) -> None:
    s = await full_sitting(app)
    moment = datetime.now(UTC).replace(microsecond=0)
    record = await assembled(app, s.room, moment)
    summary = record.summary
    assert summary["counts"] == {"checked": 2, "mismatch": 1, "absent": 1, "unrecorded": 1, "seated": 5, "present": 3, "incidents": 2}
    assert summary["expected_papers"] == 4
    assert [(c["seat"], c["ticket"], c["name"], c["status"]) for c in summary["candidates"]] == [
        (1, s.numbers[0], "张三", "checked"), (2, s.numbers[1], "李四", "checked"), (3, s.numbers[2], "王五", "mismatch"),
        (4, s.numbers[3], "赵六", "absent"), (5, s.numbers[4], "欧阳娜娜", "unrecorded"),
    ]
    assert summary["candidates"][1]["incidents"] == ["WJ2026000001"]
    assert summary["absent"] == [{"seat": 4, "ticket": s.numbers[3], "name": "赵六"}]
    assert summary["mismatches"] == [{"seat": 3, "ticket": s.numbers[2], "name": "王五", "note": "照片与本人不符"}]
    assert [(i["number"], i["ticket"], i["seat"], i["code"], i["sanction"], i["status"]) for i in summary["incidents"]] == [
        ("WJ2026000001", s.numbers[1], 2, "V2.device", "cancel_year", "signed"),
        ("WJ2026000002", s.numbers[2], 3, "V1.seat", "cancel_subject", "rejected"),
    ]
    assert summary["chief"] == {"id": CHIEF, "name": "王主监"} and summary["deputy"] == {"id": DEPUTY, "name": "李副监"}
    assert summary["room"]["name"] == "301" and summary["sitting"]["subject"] == "theory"
    assert summary["papers"] == {"count": None, "confirmed_by": None, "confirmed_at": None}
    (stored,) = await rows(app, RoomRecord, RoomRecord.room_id == s.room)
    assert stored.summary == summary and stored.session_id == s.session_id
    assert stored.assembled_at is not None and stored.assembled_at.replace(tzinfo=UTC) == moment
    dumped = json.dumps(summary, ensure_ascii=False)
    assert not any(n in dumped for n in s.id_numbers), "the record never holds ID numbers"


async def test_reassembly_follows_new_attendance_and_keeps_one_row(app: App) -> None:
    s = await make_sitting(app, past(), seated=2)
    first = await assembled(app, s.room)
    assert first.summary["counts"]["unrecorded"] == 2 and first.summary["expected_papers"] == 2
    await mark(app, s, 0, "absent")
    again = await assembled(app, s.room)
    assert again.id == first.id and again.summary["counts"]["absent"] == 1 and again.summary["expected_papers"] == 1
    assert len(await rows(app, RoomRecord)) == 1


async def test_void_tickets_are_not_seated_and_unknown_rooms_assemble_nothing(app: App) -> None:
    s = await make_sitting(app, past(), seated=3)
    async with app.sessions() as session:
        ticket = await session.get(Ticket, s.tickets[2])
        assert ticket is not None
        ticket.status = "void"
        session.add(ticket)
        await session.commit()
    assert (await assembled(app, s.room)).summary["counts"]["seated"] == 2
    async with app.sessions() as session:
        assert await room_records.assemble(app, session, 999_999) is None


# --- the papers count -----------------------------------------------------------------------------------------------


async def test_chief_confirms_papers_stored_audited_and_staff_notified(app: App) -> None:
    s = await full_sitting(app)
    moment = datetime.now(UTC).replace(microsecond=0)
    result = await confirm(app, CHIEF, s.room, 4, now=moment)
    assert isinstance(result, room_records.Confirmed) and result.changed
    assert result.facts["count"] == 4 and result.facts["expected"] == 4 and result.facts["absent"] == 1
    (record,) = await rows(app, RoomRecord, RoomRecord.room_id == s.room)
    assert (record.papers_count, record.papers_confirmed_by) == (4, CHIEF)
    assert record.papers_confirmed_at is not None and record.papers_confirmed_at.replace(tzinfo=UTC) == moment
    assert record.summary["papers"]["count"] == 4 and record.summary["papers"]["confirmed_by"]["id"] == CHIEF
    (entry,) = await rows(app, AuditLog, AuditLog.action == "confirm_papers")
    assert (entry.actor_id, entry.entity, entry.entity_id) == (CHIEF, "room_record", str(record.id))
    assert entry.before == {"papers_count": None, "confirmed_by": None} and entry.after["papers_count"] == 4
    notices = await rows(app, Notification)
    assert sorted(n.chat_id for n in notices) == [STAFF, ADMIN]
    for notice in notices:
        text = notice.payload["text"]
        assert "考场 301" in text and "缺考 1" in text and "4 份" in text and "王主监" in text
        (button,) = [b for row in notice.payload["markup"]["rows"] for b in row]
        assert button["callback_data"] == f"rr:get:{s.room}"


async def test_a_repeated_confirmation_changes_nothing_and_a_correction_is_audited(app: App) -> None:
    s = await full_sitting(app)
    await confirm(app, CHIEF, s.room, 4)
    same = await confirm(app, CHIEF, s.room, 4)
    assert isinstance(same, room_records.Confirmed) and not same.changed
    assert len(await rows(app, AuditLog, AuditLog.action == "confirm_papers")) == 1
    assert len(await rows(app, Notification)) == 2
    corrected = await confirm(app, DEPUTY, s.room, 3, notes="1 份答题卡缺失，已报告", now=datetime.now(UTC) + timedelta(seconds=5))
    assert isinstance(corrected, room_records.Confirmed) and corrected.changed
    (record,) = await rows(app, RoomRecord)
    assert (record.papers_count, record.papers_confirmed_by, record.notes) == (3, DEPUTY, "1 份答题卡缺失，已报告")
    audits = await rows(app, AuditLog, AuditLog.action == "confirm_papers")
    assert [a.before["papers_count"] for a in audits] == [None, 4]
    assert "1 份答题卡缺失" not in json.dumps([a.after for a in audits], ensure_ascii=False), "notes are not copied into the audit"
    assert len(await rows(app, Notification)) == 4


@pytest.mark.parametrize("case", ["stranger", "no room", "before the start"])
async def test_papers_count_refusals(app: App, case: str) -> None:
    starts = past() if case != "before the start" else datetime.now(UTC) + timedelta(hours=3)
    s = await make_sitting(app, starts, seated=1)
    actor, room_id, key = CHIEF, s.room, "room_record.too_early"
    if case == "stranger":
        actor, key = OTHER_PROCTOR, "room_record.not_your_room"
    elif case == "no room":
        room_id, key = 999_999, "room_record.no_room"
    result = await confirm(app, actor, room_id, 1)
    assert isinstance(result, room_records.Refused) and result.key == key
    assert not await rows(app, AuditLog, AuditLog.action == "confirm_papers")
    assert not await rows(app, Notification)
    assert all(r.papers_count is None for r in await rows(app, RoomRecord))


# --- the job at E ---------------------------------------------------------------------------------------------------


async def test_fire_asks_the_chief_once_with_the_expected_count(app: App) -> None:
    s = await full_sitting(app)
    assert await room_records.fire(app, s.session_id) == 1
    (ask,) = await rows(app, Notification)
    assert ask.chat_id == CHIEF
    text = ask.payload["text"]
    for expected in ("考场 301", "理论知识", "应到 5 人", "实到 3 人", "缺考 1 人", "未登记考勤 1 人", f"/papers {s.room}"):
        assert expected in text, expected
    (button,) = [b for row in ask.payload["markup"]["rows"] for b in row]
    assert button["callback_data"] == f"rp:ok:{s.room}:4" and "4" in button["text"]
    (record,) = await rows(app, RoomRecord)
    assert record.room_id == s.room and record.assembled_at is not None, "the empty room 302 gets no record"
    assert await room_records.fire(app, s.session_id) == 0, "a repeated fire asks nobody again"
    assert len(await rows(app, Notification)) == 1


async def test_fire_skips_confirmed_rooms_early_jobs_and_asks_the_deputy_without_a_chief(app: App) -> None:
    s = await make_sitting(app, past(), seated=2)
    early = s.ends_at - timedelta(minutes=30)
    assert await room_records.fire(app, s.session_id, now=early) == 0, "a job of an older, earlier end time"
    async with app.sessions() as session:
        room = await session.get(ExamRoom, s.room)
        assert room is not None
        room.chief_id = None
        session.add(room)
        await session.commit()
    assert await room_records.fire(app, s.session_id) == 1
    assert [n.chat_id for n in await rows(app, Notification)] == [DEPUTY]
    await confirm(app, DEPUTY, s.room, 2)
    async with app.sessions() as session:
        exam = await session.get(ExamSession, s.session_id)
        assert exam is not None
        exam.ends_at = exam.ends_at + timedelta(minutes=5)  # moved: a new ask key, but the count is confirmed already
        session.add(exam)
        await session.commit()
    before = len(await rows(app, Notification))
    assert await room_records.fire(app, s.session_id) == 0
    assert len(await rows(app, Notification)) == before
    assert await room_records.fire(app, 999_999) == 0


async def test_the_job_entry_point_uses_the_bound_app(app: App, jobs: SchedulerService) -> None:
    s = await make_sitting(app, past(), seated=1)
    await fire_room_record(s.session_id)
    assert [n.chat_id for n in await rows(app, Notification)] == [CHIEF]


# --- planning -------------------------------------------------------------------------------------------------------


async def test_planning_without_a_scheduler_does_nothing(app: App) -> None:
    s = await make_sitting(app, datetime.now(UTC) + timedelta(days=2), seated=1)
    assert app.jobs is None
    assert await room_records.plan_sitting(app, s.session_id, s.starts_at, s.ends_at) == 0
    assert await room_records.cancel_sitting(app, s.session_id) == 0


async def test_plan_replace_and_cancel_the_job_at_e(app: App, jobs: SchedulerService) -> None:
    s = await make_sitting(app, datetime.now(UTC).replace(microsecond=0) + timedelta(days=2), seated=1)
    assert room_records in exam_day.PLANNERS
    assert await room_records.plan_sitting(app, s.session_id, s.starts_at, s.ends_at) == 1
    assert await jobs.run_time(f"rr:{s.session_id}") == s.ends_at
    later = s.ends_at + timedelta(hours=1)
    assert await room_records.plan_sitting(app, s.session_id, s.starts_at, later) == 1
    assert await jobs.job_ids("rr:") == [f"rr:{s.session_id}"] and await jobs.run_time(f"rr:{s.session_id}") == later
    assert await room_records.cancel_sitting(app, s.session_id) == 1
    assert await room_records.cancel_sitting(app, s.session_id) == 0
    assert await jobs.job_ids("rr:") == []
    await exam_day.plan_batch(app, s.batch_id)
    assert await jobs.run_time(f"rr:{s.session_id}") == s.ends_at, "issued tickets plan the job through exam_day"


def test_still_due_tolerates_late_and_rejects_early() -> None:
    ends = datetime(2030, 6, 14, 2, 30, tzinfo=UTC)
    assert room_records.still_due(ends, ends)
    assert room_records.still_due(ends, ends + timedelta(days=2)), "missed while down: done once, late"
    assert room_records.still_due(ends, ends - timedelta(minutes=5))
    assert not room_records.still_due(ends, ends - timedelta(minutes=30))


# --- files ----------------------------------------------------------------------------------------------------------


def _sheet_rows(content: bytes, index: int = 0) -> tuple[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[index]
    return sheet.title, [tuple(v for v in row) for row in sheet.iter_rows(values_only=True)]


async def test_pdf_and_xlsx_of_a_room(app: App) -> None:
    s = await full_sitting(app)
    await confirm(app, CHIEF, s.room, 4, notes="1 份答题卡污损 | 已说明")
    record = await assembled(app, s.room)
    rendered = await room_record_files.files(app, [record.summary], "zh_CN")
    assert rendered is not None and rendered.pdf is not None
    assert rendered.filename == f"room_record_s{s.session_id}_r{s.room}"
    assert "考场 301" in rendered.title and "理论知识" in rendered.title

    assert rendered.pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", rendered.pdf)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    text = _pdf_text(rendered.pdf).replace("\n", "")  # wrapped cells come back line by line
    for expected in ("考场情况记录表", "2026年冬季电工四级认定", "301", "王主监", "李副监", s.numbers[3], "赵六", "缺考", "身份存疑",
                     "WJ2026000001", "V2（一）使用规定以外的电子设备", "取消当次全部科目评价成绩", "4 份", "答题卡污损"):
        assert expected in text, expected
    assert not any(n in text for n in s.id_numbers)

    title, sheet = _sheet_rows(rendered.xlsx)
    assert title == "301"
    assert sheet[0][0] == "职业技能等级认定 考场情况记录表"
    fields = {row[0]: row[1] for row in sheet if isinstance(row[0], str) and len(row) > 1 and row[1] is not None}
    assert fields["应到人数"] == 5 and fields["实到人数"] == 3 and fields["缺考人数"] == 1 and fields["收回试卷（答题卡）"] == "4 份"
    assert fields["主监考"].startswith("王主监") and fields["考场"].startswith("301")
    header = next(row for row in sheet if row[0] == "座位号" and row[3] == "考试情况")
    roster = sheet[sheet.index(header) + 1: sheet.index(header) + 6]
    assert [(r[0], r[1], r[2], r[3]) for r in roster] == [
        (1, s.numbers[0], "张三", "已核验"), (2, s.numbers[1], "李四", "已核验"), (3, s.numbers[2], "王五", "身份存疑"),
        (4, s.numbers[3], "赵六", "缺考"), (5, s.numbers[4], "欧阳娜娜", "未登记"),
    ]
    assert roster[1][4] == "WJ2026000001"
    incidents = next(i for i, row in enumerate(sheet) if row[0] == "编号")
    assert sheet[incidents + 1][:3] == ("WJ2026000001", 2, s.numbers[1]) and sheet[incidents + 1][4] == "V2（一）使用规定以外的电子设备"
    assert sheet[incidents + 1][6] == "待考场负责人确认" and sheet[incidents + 2][6] == "未予确认"
    everything = json.dumps(sheet, ensure_ascii=False, default=str)
    assert not any(n in everything for n in s.id_numbers), "internal record without ID numbers"


async def test_files_of_a_whole_sitting_in_english(app: App) -> None:
    s = await full_sitting(app)
    seat = Seat(ticket_id=s.tickets[4], subject="practical", session_id=s.session_id, room_id=s.empty_room, number=1)
    async with app.sessions() as session:
        session.add(seat)
        await session.commit()
    summaries = []
    for room_id in (s.room, s.empty_room):
        summaries.append((await assembled(app, room_id)).summary)
    rendered = await room_record_files.files(app, summaries, "en")
    assert rendered is not None and rendered.pdf is not None
    assert rendered.filename == f"room_record_s{s.session_id}" and "2 rooms" in rendered.title
    book = load_workbook(io.BytesIO(rendered.xlsx))
    assert book.sheetnames == ["301", "302"]
    text = _pdf_text(rendered.pdf)
    assert "Exam Room Record" in text and "identity doubt" in text and "not confirmed" in text
    assert len(re.findall(rb"/Type /Page\b", rendered.pdf)) >= 2, "each room starts on its own page"
    _, sheet = _sheet_rows(rendered.xlsx, 1)
    assert any(row[0] == "Seat" and row[1] == "Ticket number" for row in sheet)
    assert await room_record_files.files(app, [], "en") is None


async def test_a_long_room_breaks_across_pages_with_the_header_repeated(app: App) -> None:
    s = await make_sitting(app, past(), seated=45)
    rendered = await room_record_files.files(app, [(await assembled(app, s.room)).summary], "zh_CN")
    assert rendered is not None and rendered.pdf is not None
    assert len(re.findall(rb"/Type /Page\b", rendered.pdf)) >= 2
    assert _pdf_text(rendered.pdf).count("准考证号") >= 2
    _, sheet = _sheet_rows(rendered.xlsx)
    header = next(i for i, row in enumerate(sheet) if row[0] == "座位号")
    assert [row[0] for row in sheet[header + 1: header + 46]] == list(range(1, 46))


async def test_without_a_cjk_font_the_workbook_still_goes_out(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    s = await make_sitting(app, past(), seated=1)

    def missing(explicit: object = None) -> None:
        raise FontMissing("no font")

    monkeypatch.setattr(room_record_files, "find_cjk_font", missing)
    rendered = await room_record_files.files(app, [(await assembled(app, s.room)).summary], "zh_CN")
    assert rendered is not None and rendered.pdf is None and rendered.xlsx.startswith(b"PK")
    ctx = FlowContext(STAFF, STAFF, "staff", "zh_CN", datetime.now(UTC))
    replies = flow.files(ConversationState(), ctx, rendered).replies
    assert isinstance(replies[0], Text) and replies[0].key == "room_record.pdf_unavailable"
    assert isinstance(replies[1], Document) and replies[1].filename.endswith(".xlsx")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_template_values_cannot_break_the_layout(locale: str) -> None:
    summary = _summary(notes="备注 | 第二行\n| 伪造的表格行", name="张|三\n# 标题")
    items = room_record_files.record_items(I18n(), SHANGHAI, summary, locale)
    tables = [i for i in items if isinstance(i, Table)]
    assert all(len(row) == len(t.header) for t in tables for row in t.rows)
    assert sum(1 for i in items if isinstance(i, Section)) == 6
    assert any(isinstance(i, Field) and i.value == "" for i in items), "signature fields are blank"
    roster = tables[0]
    assert roster.rows[0][2] == "张｜三 # 标题"
    assert any(isinstance(i, Bullet) and i.text == "备注 ｜ 第二行 ｜ 伪造的表格行" for i in items), "notes stay one bullet"


def _summary(notes: str, name: str) -> dict[str, Any]:
    return {
        "batch": {"id": 1, "name": "批次", "level": 4}, "occupation": "电工", "work_type": "",
        "sitting": {"id": 1, "subject": "theory", "site": "A", "starts_at": "2026-12-05T01:00:00+00:00", "ends_at": "2026-12-05T02:30:00+00:00"},
        "room": {"id": 1, "name": "301", "kind": "desk", "capacity": 30}, "chief": None, "deputy": None,
        "counts": {"checked": 0, "mismatch": 0, "absent": 0, "unrecorded": 1, "seated": 1, "present": 0, "incidents": 0},
        "expected_papers": 1,
        "candidates": [{"seat": 1, "ticket": "26000140001", "name": name, "status": "unrecorded", "note": "", "incidents": []}],
        "absent": [], "mismatches": [], "incidents": [],
        "papers": {"count": None, "confirmed_by": None, "confirmed_at": None}, "notes": notes, "assembled_at": None,
    }


# --- pure parsing and keys ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("12 28", flow.PapersInput(12, 28)),
        ("１２　２８", flow.PapersInput(12, 28)),
        ("#12 0", flow.PapersInput(12, 0)),
        ("12 27 1 份空白卷  已说明", flow.PapersInput(12, 27, "1 份空白卷 已说明")),
        ("12", None),
        ("", None),
        ("12 -1", None),
        ("12 10000", None),
        ("0 5", None),
        ("x 5", None),
        ("12 2.5", None),
    ],
)
def test_parse_papers(args: str, expected: flow.PapersInput | None) -> None:
    assert flow.parse_papers(args) == expected


def test_parse_target_and_buttons() -> None:
    assert flow.parse_target("") == flow.Target()
    assert flow.parse_target(" 7 ") == flow.Target(7)
    assert flow.parse_target("7 301") == flow.Target(7, "301")
    assert flow.parse_target("７ 实训A") == flow.Target(7, "实训A")
    assert flow.parse_target("abc") is None and flow.parse_target("0") is None
    assert flow.parse_papers_button(flow.papers_data(12, 28)) == flow.PapersInput(12, 28)
    assert flow.parse_papers_button("rp:ok:12") is None and flow.parse_papers_button("rp:no:12:3") is None
    assert flow.parse_record_button(flow.record_data(flow.LIST)) == flow.RecordAction(flow.LIST)
    assert flow.parse_record_button(flow.record_data(flow.ROOM, 5)) == flow.RecordAction(flow.ROOM, 5)
    assert flow.parse_record_button("rr:get") is None and flow.parse_record_button("rr:get:0") is None
    assert flow.parse_record_button("rr:ls:3") is None and flow.parse_record_button("bt:get:3") is None
    assert len(flow.papers_data(10**15 - 1, flow.MAX_PAPERS).encode()) <= 64


def test_every_dynamic_key_exists_in_both_locales() -> None:
    i18n = I18n()
    keys = {f"room_record.status.{s}" for s in room_records.STATUSES}
    keys |= {f"incident.status.{s}" for s in ("reported", "signed", "effective", "rejected", "overturned")}
    keys |= {f"sanction.{s}" for s in violations.SANCTIONS}
    keys |= {f"violation_short.{v.code}" for v in violations.CATALOGUE}  # the incident feature's catalogue
    keys |= {"cmd.papers", "cmd.room_record", "room_record"}
    for locale in ("zh_CN", "en"):
        missing = sorted(k for k in keys if not i18n.has(locale, k))
        assert not missing, f"{locale} lacks {missing}"


async def test_sitting_facts_and_the_recent_list(app: App) -> None:
    s = await full_sitting(app)
    await make_future(app)
    await confirm(app, CHIEF, s.room, 4)
    async with app.sessions() as session:
        listed = await room_records.sittings(app, session, datetime.now(UTC))
        facts = await room_records.sitting_facts(app, session, s.session_id)
        assert await room_records.rooms_for(session, flow.Target(s.session_id, "302")) == [s.empty_room]
        assert await room_records.rooms_for(session, flow.Target(s.session_id)) == [s.room, s.empty_room]
        assert await room_records.rooms_for(session, flow.Target(s.session_id, "999")) is None
        assert await room_records.rooms_for(session, flow.Target(999_999)) is None
    assert [item["id"] for item in listed] == [s.session_id], "sittings not started yet are not listed"
    assert facts is not None
    assert [(r["name"], r["seated"], r["papers"]) for r in facts["rooms"]] == [("301", 5, 4), ("302", 0, None)]


async def make_future(app: App) -> None:
    """Another sitting, tomorrow (of the same batch), which the recent list leaves out."""
    async with app.sessions() as session:
        batch_id = (await session.exec(select(ExamBatch.id))).first()
        starts = datetime.now(UTC) + timedelta(days=1)
        session.add(ExamSession(batch_id=batch_id or 0, subject="practical", starts_at=starts, ends_at=starts + timedelta(hours=2), site="B"))
        await session.commit()
    assert len(await rows(app, ExamSession, col(ExamSession.id).is_not(None))) == 2


# --- console --------------------------------------------------------------------------------------------------------


async def test_console_chief_taps_the_count_and_staff_save_the_files(app: App) -> None:
    s = await full_sitting(app)
    await room_records.fire(app, s.session_id)
    out = io.StringIO()
    await Console(app, io.StringIO("#1\n/papers\n"), out, user_id=CHIEF).run(banner=False)
    chief = out.getvalue()
    assert "考场 301 考试结束" in chief and "[1] ✅ 确认收回 4 份" in chief
    assert "已确认考场 301" in chief and "用法：/papers" in chief
    (record,) = await rows(app, RoomRecord, RoomRecord.room_id == s.room)
    assert (record.papers_count, record.papers_confirmed_by) == (4, CHIEF)

    out = io.StringIO()
    await Console(app, io.StringIO(f"/room_record\n#1\n#1\n/room_record {s.session_id} 302\n"), out, user_id=STAFF).run(banner=False)
    staff = out.getvalue()
    assert "考场情况记录表已汇总" in staff, "the outbox notice is shown first"
    saved = sorted(p.name for p in (app.settings.data_dir / "console-files").iterdir())
    assert f"room_record_s{s.session_id}_r{s.room}.pdf" in saved and f"room_record_s{s.session_id}_r{s.room}.xlsx" in saved
    assert f"room_record_s{s.session_id}_r{s.empty_room}.xlsx" in saved

    out = io.StringIO()
    await Console(app, io.StringIO("/room_record\n/papers 1 1\n"), out, user_id=CANDIDATE + 1).run(banner=False)
    assert out.getvalue().count("无法识别的命令") == 2
