"""Candidate reminders: the pure planner, the fired job (outbox only, once-only) and (re)scheduling per ticket/batch."""

from __future__ import annotations

import asyncio
import time as clock
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.id_numbers import make_resident_id
from bot.scheduler.jobs import fire_reminder
from bot.scheduler.service import SchedulerService, start_scheduler
from bot.services import reminders
from bot.services.reminders import (
    DAY,
    HOUR,
    FIRE_REMINDER,
    PlannedReminder,
    ReminderPolicy,
    SessionTime,
    plan_reminders,
    still_due,
)
from storage.models import Announcement, Application, ExamBatch, ExamRoom, ExamSession, Notification, Seat, Ticket
from tests.conftest import make_settings
from tests.support.applications import add_user, insert_application
from tests.support.catalog import open_announcement

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
POLICY = ReminderPolicy(time(18, 0), timedelta(minutes=60))


def local(*parts: int) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(*parts, tzinfo=SHANGHAI)


def utc(*parts: int) -> datetime:
    """A UTC moment."""
    return datetime(*parts, tzinfo=UTC)


# --- planner (pure) -------------------------------------------------------------------------------------------------


def test_plan_for_a_morning_session_well_ahead() -> None:
    starts = local(2026, 6, 14, 9, 0)
    plan = plan_reminders(7, [SessionTime(3, starts)], utc(2026, 6, 10), SHANGHAI, POLICY)
    assert plan == [
        PlannedReminder("rem:7:3:day", utc(2026, 6, 13, 10, 0), DAY, 3),
        PlannedReminder("rem:7:3:hour", utc(2026, 6, 14, 0, 0), HOUR, 3),
    ]
    assert all(p.run_at.tzinfo is not None for p in plan)


def test_day_before_is_the_previous_local_calendar_day() -> None:
    starts = local(2026, 6, 14, 7, 0)  # 2026-06-13 23:00 UTC: the UTC date is already the day before
    plan = plan_reminders(1, [SessionTime(2, starts)], utc(2026, 6, 1), SHANGHAI, POLICY)
    assert plan[0] == PlannedReminder("rem:1:2:day", local(2026, 6, 13, 18, 0).astimezone(UTC), DAY, 2)
    assert plan[1].run_at == local(2026, 6, 14, 6, 0)


def test_the_timezone_decides_the_day_before_moment() -> None:
    starts = utc(2026, 6, 13, 23, 0)  # the 14th 07:00 in Shanghai, the 13th 19:00 in New York
    shanghai = plan_reminders(1, [SessionTime(2, starts)], utc(2026, 6, 1), SHANGHAI, POLICY)
    new_york = plan_reminders(1, [SessionTime(2, starts)], utc(2026, 6, 1), ZoneInfo("America/New_York"), POLICY)
    assert shanghai[0].run_at == utc(2026, 6, 13, 10, 0)
    assert new_york[0].run_at == datetime(2026, 6, 12, 18, 0, tzinfo=ZoneInfo("America/New_York"))
    assert new_york[0].run_at == utc(2026, 6, 12, 22, 0)


def test_day_before_already_past_is_skipped() -> None:
    starts = local(2026, 6, 14, 9, 0)
    plan = plan_reminders(1, [SessionTime(2, starts)], local(2026, 6, 13, 19, 0), SHANGHAI, POLICY)
    assert [p.kind for p in plan] == [HOUR]


def test_exactly_at_the_day_before_moment_is_past() -> None:
    starts = local(2026, 6, 14, 9, 0)
    plan = plan_reminders(1, [SessionTime(2, starts)], local(2026, 6, 13, 18, 0), SHANGHAI, POLICY)
    assert [p.kind for p in plan] == [HOUR]


def test_nothing_once_the_hour_reminder_is_past() -> None:
    starts = local(2026, 6, 14, 9, 0)
    assert plan_reminders(1, [SessionTime(2, starts)], local(2026, 6, 14, 8, 30), SHANGHAI, POLICY) == []
    assert plan_reminders(1, [SessionTime(2, starts)], local(2026, 6, 15, 8, 0), SHANGHAI, POLICY) == []


def test_session_just_after_midnight_keeps_both() -> None:
    starts = local(2026, 6, 14, 0, 30)
    plan = plan_reminders(1, [SessionTime(2, starts)], utc(2026, 6, 1), SHANGHAI, POLICY)
    assert [(p.kind, p.run_at) for p in plan] == [(DAY, local(2026, 6, 13, 18, 0)), (HOUR, local(2026, 6, 13, 23, 30))]


def test_day_before_not_earlier_than_the_hour_reminder_is_dropped() -> None:
    late_evening = ReminderPolicy(time(23, 50), timedelta(minutes=60))
    plan = plan_reminders(1, [SessionTime(2, local(2026, 6, 14, 0, 10))], utc(2026, 6, 1), SHANGHAI, late_evening)
    assert [p.kind for p in plan] == [HOUR]


def test_zero_lead_disables_the_short_reminder() -> None:
    policy = ReminderPolicy(time(18, 0), timedelta(0))
    plan = plan_reminders(1, [SessionTime(2, local(2026, 6, 14, 9, 0))], utc(2026, 6, 1), SHANGHAI, policy)
    assert [p.kind for p in plan] == [DAY]


def test_several_sessions_are_ordered_and_deduplicated() -> None:
    theory = SessionTime(10, local(2026, 6, 14, 9, 0))
    practical = SessionTime(11, local(2026, 6, 14, 14, 0))
    plan = plan_reminders(5, [practical, theory, theory], utc(2026, 6, 1), SHANGHAI, POLICY)
    assert [p.job_id for p in plan] == ["rem:5:10:day", "rem:5:11:day", "rem:5:10:hour", "rem:5:11:hour"]
    assert plan[0].run_at == plan[1].run_at  # both the evening before


def test_naive_times_are_taken_as_utc() -> None:
    aware = plan_reminders(1, [SessionTime(2, utc(2026, 6, 14, 1))], utc(2026, 6, 1), SHANGHAI, POLICY)
    naive = plan_reminders(1, [SessionTime(2, datetime(2026, 6, 14, 1))], datetime(2026, 6, 1), SHANGHAI, POLICY)
    assert aware == naive


def test_policy_from_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, reminder_day_before_at="19:30", reminder_lead_minutes=45)
    assert ReminderPolicy.from_settings(settings) == ReminderPolicy(time(19, 30), timedelta(minutes=45))


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        (DAY, local(2026, 6, 13, 18, 0), True),
        (DAY, local(2026, 6, 13, 17, 55), True),  # a little early: clock skew
        (DAY, local(2026, 6, 13, 12, 0), False),  # far too early: a job of an older, earlier time
        (DAY, local(2026, 6, 14, 7, 0), True),  # late (scheduler was down) but before the short reminder
        (DAY, local(2026, 6, 14, 8, 0), False),  # the short reminder covers it now
        (HOUR, local(2026, 6, 14, 8, 0), True),
        (HOUR, local(2026, 6, 14, 8, 59), True),
        (HOUR, local(2026, 6, 14, 7, 0), False),
        (HOUR, local(2026, 6, 14, 9, 0), False),  # started
        (DAY, local(2026, 6, 14, 10, 0), False),
        ("week", local(2026, 6, 14, 8, 0), False),
    ],
)
def test_still_due(kind: str, now: datetime, expected: bool) -> None:
    assert still_due(kind, local(2026, 6, 14, 9, 0), now, SHANGHAI, POLICY) is expected


def test_job_ids_and_dedup_keys() -> None:
    assert reminders.job_id(12, 3, DAY) == "rem:12:3:day"
    assert reminders.job_prefix(12) == "rem:12:"
    assert reminders.dedup_key(12, 3, HOUR, utc(2026, 6, 14, 1)) == f"rem:12:3:hour:{int(utc(2026, 6, 14, 1).timestamp())}"


# --- database helpers -----------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """A batch with one room per session, on a filed occupation."""

    id: int
    announcement_id: int
    occupation_id: int
    session_ids: list[int]
    room_ids: list[int]


async def make_batch(app: App, starts: list[tuple[str, datetime]]) -> Batch:
    """A level-4 electrician batch whose sessions (subject, start) last two hours each, one room per session."""
    announcement = await open_announcement(app, date.today())
    assert announcement.id is not None
    async with app.sessions() as session:
        batch = ExamBatch(
            announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4,
            name="2026 electrician L4", exam_date=starts[0][1].date(),
        )
        session.add(batch)
        await session.flush()
        assert batch.id is not None
        exams = [
            ExamSession(batch_id=batch.id, subject=subject, starts_at=start, ends_at=start + timedelta(hours=2), site="Building A")
            for subject, start in starts
        ]
        session.add_all(exams)
        await session.flush()
        rooms = [ExamRoom(session_id=e.id, name=f"10{i + 1}", kind="desk", capacity=30) for i, e in enumerate(exams)]
        session.add_all(rooms)
        await session.commit()
        return Batch(batch.id, announcement.id, announcement.occupation_id, [e.id for e in exams], [r.id for r in rooms])  # type: ignore[misc]


async def add_ticket(
    app: App,
    batch: Batch,
    user_id: int,
    *,
    locale: str | None = "zh_CN",
    seq: int = 1,
    status: str = "active",
    issued: bool = True,
    application_status: str = "approved",
) -> int:
    """An approved application with a ticket seated (seat = seq) in every session of the batch; returns the ticket id."""
    await add_user(app, user_id, locale=locale)
    announcement = await _announcement(app, batch.announcement_id)
    application = await insert_application(
        app, announcement, user_id, number=f"SQ20260000{seq:02d}", status=application_status, id_number=_id(seq)
    )
    async with app.sessions() as session:
        ticket = Ticket(
            number=f"2026360100{seq:04d}", batch_id=batch.id, application_id=application.id, user_id=user_id,  # type: ignore[arg-type]
            sequence=seq, status=status, issued_at=datetime.now(UTC) if issued else None,
        )
        session.add(ticket)
        await session.flush()
        subjects = await _subjects(session, batch.session_ids)
        for session_id, room_id in zip(batch.session_ids, batch.room_ids):
            session.add(Seat(ticket_id=ticket.id, subject=subjects[session_id], session_id=session_id, room_id=room_id, number=seq))  # type: ignore[arg-type]
        await session.commit()
        assert ticket.id is not None
        return ticket.id


async def _announcement(app: App, announcement_id: int) -> Announcement:
    async with app.sessions() as session:
        found = await session.get(Announcement, announcement_id)
        assert found is not None
        return found


async def _subjects(session: AsyncSession, session_ids: list[int]) -> dict[int, str]:
    rows = (await session.exec(select(ExamSession.id, ExamSession.subject).where(ExamSession.id.in_(session_ids)))).all()  # type: ignore[attr-defined]
    return {sid: subject for sid, subject in rows}


def _id(seq: int) -> str:
    return make_resident_id("360102", date(1990, 5, 20), 100 + seq)


async def notifications(app: App) -> list[Notification]:
    """Every outbox row, oldest first."""
    async with app.sessions() as session:
        return list((await session.exec(select(Notification).order_by(Notification.id))).all())  # type: ignore[arg-type]


async def update(app: App, model: type, row_id: int, **values: object) -> None:
    """Change columns of one row."""
    async with app.sessions() as session:
        row = await session.get(model, row_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        await session.commit()


def future_local(days: int, hour: int) -> datetime:
    """A Shanghai wall-clock time `days` from today at `hour`:00."""
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), time(hour, 0), tzinfo=SHANGHAI)


# --- fire -----------------------------------------------------------------------------------------------------------

STARTS = local(2030, 6, 14, 9, 0)
EVENING_BEFORE = local(2030, 6, 13, 18, 0)
HOUR_BEFORE = local(2030, 6, 14, 8, 0)


async def test_fire_day_before_enqueues_one_localized_message(app: App) -> None:
    batch = await make_batch(app, [("theory", STARTS)])
    ticket = await add_ticket(app, batch, 5001, locale="zh_CN")
    assert await reminders.fire(app, ticket, batch.session_ids[0], DAY, now=EVENING_BEFORE) == 1
    rows = await notifications(app)
    assert len(rows) == 1
    row = rows[0]
    assert row.chat_id == 5001
    assert row.dedup_key == f"rem:{ticket}:{batch.session_ids[0]}:day:{int(STARTS.timestamp())}"
    text = row.payload["text"]
    for expected in ("电工", "四级/中级工", "理论知识考试", "2030-06-14 09:00–11:00", "Building A", "101", "座位号：1",
                     "20263601000001", "准考证", "身份证", "2B 铅笔", "橡皮", "15 分钟", "30 分钟", "关机", "铃声", "/ticket"):
        assert expected in text, expected
    assert "{{" not in text and "level." not in text


async def test_fire_renders_in_the_recipients_language(app: App) -> None:
    batch = await make_batch(app, [("practical", STARTS)])
    ticket = await add_ticket(app, batch, 5002, locale="en")
    await reminders.fire(app, ticket, batch.session_ids[0], DAY, now=EVENING_BEFORE)
    text = (await notifications(app))[0].payload["text"]
    for expected in ("Level 4 / intermediate worker", "Practical skills assessment", "2030-06-14 09:00–11:00",
                     "2B pencil", "15 minutes", "30 minutes", "/ticket"):
        assert expected in text, expected


async def test_fire_hour_before_is_short(app: App) -> None:
    batch = await make_batch(app, [("theory", STARTS)])
    ticket = await add_ticket(app, batch, 5003, locale="en")
    assert await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=HOUR_BEFORE) == 1
    text = (await notifications(app))[0].payload["text"]
    assert "starts at 09:00" in text and "room 101, seat 1" in text and "ID card" in text
    assert "2B" not in text and len(text) < 300


async def test_a_second_fire_adds_nothing(app: App) -> None:
    batch = await make_batch(app, [("theory", STARTS)])
    ticket = await add_ticket(app, batch, 5004)
    assert await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=HOUR_BEFORE) == 1
    assert await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=HOUR_BEFORE) == 0
    assert len(await notifications(app)) == 1


async def test_a_moved_session_is_reminded_again(app: App) -> None:
    batch = await make_batch(app, [("theory", STARTS)])
    ticket = await add_ticket(app, batch, 5005)
    await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=HOUR_BEFORE)
    moved = STARTS + timedelta(hours=2)
    await update(app, ExamSession, batch.session_ids[0], starts_at=moved, ends_at=moved + timedelta(hours=2))
    assert await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=HOUR_BEFORE) == 0  # old slot: too early
    assert await reminders.fire(app, ticket, batch.session_ids[0], HOUR, now=moved - timedelta(hours=1)) == 1
    rows = await notifications(app)
    assert len(rows) == 2 and "11:00" in rows[1].payload["text"]


@pytest.mark.parametrize(
    "change",
    ["void ticket", "not issued", "withdrawn", "started", "no seat", "unknown kind", "no ticket"],
)
async def test_fire_sends_nothing_when_it_no_longer_applies(app: App, change: str) -> None:
    batch = await make_batch(app, [("theory", STARTS)])
    ticket = await add_ticket(app, batch, 5006, issued=change != "not issued")
    session_id, kind, now = batch.session_ids[0], HOUR, HOUR_BEFORE
    if change == "void ticket":
        await update(app, Ticket, ticket, status="void")
    elif change == "withdrawn":
        async with app.sessions() as session:
            application_id = (await session.get(Ticket, ticket)).application_id  # type: ignore[union-attr]
        await update(app, Application, application_id, status="withdrawn")
    elif change == "started":
        now = STARTS + timedelta(minutes=1)
    elif change == "no seat":
        async with app.sessions() as session:
            for seat in (await session.exec(select(Seat).where(Seat.ticket_id == ticket))).all():
                await session.delete(seat)
            await session.commit()
    elif change == "unknown kind":
        kind = "week"
    elif change == "no ticket":
        ticket = ticket + 1000
    assert await reminders.fire(app, ticket, session_id, kind, now=now) == 0
    assert await notifications(app) == []


async def test_the_job_entry_point_uses_the_bound_app(app: App, jobs: SchedulerService) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    batch = await make_batch(app, [("theory", starts)])
    ticket = await add_ticket(app, batch, 5007)
    await fire_reminder(ticket, batch.session_ids[0], HOUR)
    rows = await notifications(app)
    assert len(rows) == 1 and rows[0].chat_id == 5007


async def test_a_running_scheduler_fires_the_reminder_job(app: App) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    batch = await make_batch(app, [("theory", starts)])
    ticket = await add_ticket(app, batch, 5008)
    service = await start_scheduler(app, poll_seconds=0.2)
    try:
        job_id = reminders.job_id(ticket, batch.session_ids[0], HOUR)
        await service.schedule(job_id, datetime.now(UTC) + timedelta(seconds=0.2), FIRE_REMINDER, (ticket, batch.session_ids[0], HOUR))
        deadline = clock.monotonic() + 5
        while (not await notifications(app) or await service.job_ids()) and clock.monotonic() < deadline:
            await asyncio.sleep(0.05)  # the scan removes a one-shot job just after handing it to the loop
        assert [n.chat_id for n in await notifications(app)] == [5008]
        assert await service.job_ids() == []
    finally:
        await service.shutdown()


# --- scheduling -----------------------------------------------------------------------------------------------------


async def test_without_a_scheduler_nothing_is_scheduled(app: App) -> None:
    batch = await make_batch(app, [("theory", future_local(3, 9))])
    ticket = await add_ticket(app, batch, 5010)
    assert app.jobs is None
    assert await reminders.schedule_ticket(app, ticket) == 0
    assert await reminders.cancel_ticket(app, ticket) == 0
    assert await reminders.reschedule_batch(app, batch.id) == 0


async def test_schedule_ticket_plans_every_seated_session(app: App, jobs: SchedulerService) -> None:
    theory, practical = future_local(3, 9), future_local(3, 14)
    batch = await make_batch(app, [("theory", theory), ("practical", practical)])
    ticket = await add_ticket(app, batch, 5011)
    assert await reminders.schedule_ticket(app, ticket) == 4
    t, p = batch.session_ids
    assert await jobs.job_ids() == sorted([f"rem:{ticket}:{t}:day", f"rem:{ticket}:{t}:hour", f"rem:{ticket}:{p}:day", f"rem:{ticket}:{p}:hour"])
    assert await jobs.run_time(f"rem:{ticket}:{t}:day") == future_local(2, 18)
    assert await jobs.run_time(f"rem:{ticket}:{p}:hour") == practical - timedelta(hours=1)
    assert await reminders.schedule_ticket(app, ticket) == 4  # replaces, does not add
    assert len(await jobs.job_ids()) == 4
    assert await reminders.cancel_ticket(app, ticket) == 4
    assert await jobs.job_ids() == []


async def test_schedule_ticket_drops_the_jobs_of_a_withdrawn_application(app: App, jobs: SchedulerService) -> None:
    batch = await make_batch(app, [("theory", future_local(3, 9))])
    ticket = await add_ticket(app, batch, 5012)
    await reminders.schedule_ticket(app, ticket)
    async with app.sessions() as session:
        application_id = (await session.get(Ticket, ticket)).application_id  # type: ignore[union-attr]
    await update(app, Application, application_id, status="withdrawn")
    assert await reminders.schedule_ticket(app, ticket) == 0
    assert await jobs.job_ids() == []


async def test_reschedule_batch_moves_the_jobs(app: App, jobs: SchedulerService) -> None:
    batch = await make_batch(app, [("theory", future_local(3, 9))])
    first = await add_ticket(app, batch, 5013, seq=1)
    second = await add_ticket(app, batch, 5014, seq=2)
    void = await add_ticket(app, batch, 5015, seq=3)
    assert await reminders.reschedule_batch(app, batch.id) == 6
    await update(app, Ticket, void, status="void")
    moved = future_local(5, 14)
    await update(app, ExamSession, batch.session_ids[0], starts_at=moved, ends_at=moved + timedelta(hours=2))

    assert await reminders.reschedule_batch(app, batch.id) == 4
    session_id = batch.session_ids[0]
    for ticket in (first, second):
        assert await jobs.run_time(f"rem:{ticket}:{session_id}:day") == future_local(4, 18)
        assert await jobs.run_time(f"rem:{ticket}:{session_id}:hour") == moved - timedelta(hours=1)
    assert await jobs.job_ids(reminders.job_prefix(void)) == []


async def test_a_session_soon_gets_only_the_short_reminder(app: App, jobs: SchedulerService) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=90)
    batch = await make_batch(app, [("theory", starts)])
    ticket = await add_ticket(app, batch, 5016)
    assert await reminders.schedule_ticket(app, ticket) == 1
    hour = f"rem:{ticket}:{batch.session_ids[0]}:hour"
    assert await jobs.job_ids() == [hour]
    assert await jobs.run_time(hour) == starts - timedelta(minutes=60)
