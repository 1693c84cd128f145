"""Staff deadlines: derivation into rows (done marks kept while the date holds), reminders at the lead times with the
provisional mark, the daily overdue escalation to admins until /done, and /done stopping it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from bot.app import App
from bot.scheduler.service import SchedulerService
from bot.services import staff_deadlines
from storage.models import AuditLog, BatchDeadline, ExamSession
from tests.conftest import ADMIN_ID
from tests.support.applications import add_user
from tests.support.checklist_sitting import SHANGHAI, STAFF, make_sitting, notifications

STARTS = datetime(2030, 6, 14, 9, 0, tzinfo=SHANGHAI)  # a Friday; 2030 has no official holiday data: provisional
NOW = datetime(2030, 5, 1, 12, 0, tzinfo=SHANGHAI)


def local(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


async def rows(app: App, batch_id: int) -> dict[str, BatchDeadline]:
    async with app.sessions() as session:
        return {r.rule: r for r in await staff_deadlines.rows_of(session, batch_id)}


async def setup(app: App) -> int:
    ids = await make_sitting(app, STARTS)
    await add_user(app, ADMIN_ID, "admin", "en")
    return ids.batch_id


async def test_refresh_derives_rows_with_provisional_flags(app: App) -> None:
    batch_id = await setup(app)
    assert await staff_deadlines.refresh_batch(app, batch_id, NOW) == 6
    found = await rows(app, batch_id)
    assert {r: (d.due, d.kind, d.provisional) for r, d in found.items()} == {
        "P1": (date(2029, 12, 31), "due", False),
        "P2": (date(2030, 6, 5), "due", True),  # 7 working days before, in a year without holiday data
        "P3": (date(2030, 6, 17), "due", False),
        "P4": (date(2030, 6, 19), "due", True),
        "P8-paper": (date(2033, 6, 14), "not_before", False),
        "P8-electronic": (date(2035, 6, 14), "not_before", False),
    }
    assert "003" in found["P2"].basis and found["P2"].anchor == "exam_date"


async def test_done_marks_survive_unless_the_date_moves(app: App) -> None:
    batch_id = await setup(app)
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    async with app.sessions() as session:
        for rule in ("P1", "P2"):
            assert await staff_deadlines.mark_done(app, session, STAFF, batch_id, rule.lower(), NOW.astimezone(timezone.utc))
        await session.commit()
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    found = await rows(app, batch_id)
    assert found["P1"].done_at is not None and found["P2"].done_at is not None, "same dates: marks kept"
    async with app.sessions() as session:  # the sitting moves a week later, same year
        (sitting,) = (await session.exec(select(ExamSession).where(ExamSession.batch_id == batch_id))).all()
        sitting.starts_at += timedelta(days=7)
        sitting.ends_at += timedelta(days=7)
        session.add(sitting)
        await session.commit()
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    found = await rows(app, batch_id)
    assert found["P1"].done_at is not None, "P1 (31 Dec before the exam year) did not move"
    assert found["P2"].due == date(2030, 6, 12) and found["P2"].done_at is None, "a new date needs a new done mark"
    async with app.sessions() as session:
        entries = (await session.exec(select(AuditLog).where(AuditLog.action == "deadline_done"))).all()
    assert len(entries) == 2 and entries[0].actor_id == STAFF


async def test_reminders_planned_at_the_lead_times(app: App, jobs: SchedulerService) -> None:
    batch_id = await setup(app)
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    p2 = f"dl:{batch_id}:P2:"
    assert await jobs.run_time(p2 + "3") == local(date(2030, 5, 31))  # 3 working days before 5 June (Wed)
    assert await jobs.run_time(p2 + "0") == local(date(2030, 6, 5))
    assert await jobs.run_time(p2 + "esc") == local(date(2030, 6, 6)), "escalation from the day after"
    ids = await jobs.job_ids(f"dl:{batch_id}:")
    assert not [i for i in ids if ":P8-" in i], "not_before dates are never reminded"
    assert f"dl:{batch_id}:P1:0" not in ids, "a reminder already past is not planned"
    assert await jobs.run_time(f"dl:{batch_id}:P1:esc") == local(date(2030, 5, 2)), "overdue already: tomorrow 09:00"

    app.settings.staff_deadline_leads = "5"
    app.settings.staff_deadline_remind_at = "08:30"
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    assert await jobs.run_time(p2 + "3") is None, "re-planning replaces the old jobs"
    assert await jobs.run_time(p2 + "5") == datetime(2030, 5, 29, 8, 30, tzinfo=SHANGHAI)


async def test_reminder_text_goes_to_staff_and_admins_once_per_day(app: App) -> None:
    batch_id = await setup(app)
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    at = local(date(2030, 5, 31)).astimezone(timezone.utc)
    assert await staff_deadlines.remind(app, batch_id, "P2", 3, at) == 2
    assert await staff_deadlines.remind(app, batch_id, "P2", 3, at + timedelta(minutes=5)) == 0, "a repeat sends nothing"
    (zh,) = await notifications(app, STAFF)
    (en,) = await notifications(app, ADMIN_ID)
    assert "P2" in zh.payload["text"] and "2030-06-05" in zh.payload["text"] and "暂定" in zh.payload["text"]
    assert "还有 5 天" in zh.payload["text"]
    assert "provisional" in en.payload["text"] and f"/done {batch_id} P2" in en.payload["text"]
    buttons = [b for row in en.payload["markup"]["rows"] for b in row]
    assert [b["callback_data"] for b in buttons] == [f"dd:{batch_id}:P2"]
    assert await staff_deadlines.remind(app, batch_id, "P3", 0, local(date(2030, 6, 17)).astimezone(timezone.utc)) == 2
    p3 = (await notifications(app, STAFF))[-1].payload["text"]
    assert "今天到期" in p3 and "暂定" not in p3, "P3 counts calendar days: not provisional"


async def test_escalation_daily_to_admins_until_done(app: App, jobs: SchedulerService) -> None:
    batch_id = await setup(app)
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    before = local(date(2030, 6, 5), 10).astimezone(timezone.utc)
    assert await staff_deadlines.escalate(app, batch_id, "P2", before) == 0, "not overdue yet"
    day1 = local(date(2030, 6, 6)).astimezone(timezone.utc)
    assert await staff_deadlines.escalate(app, batch_id, "P2", day1) == 1, "admins only"
    assert await notifications(app, STAFF) == []
    (first,) = await notifications(app, ADMIN_ID)
    assert "Overdue by 1 day" in first.payload["text"]
    assert await jobs.run_time(f"dl:{batch_id}:P2:esc") == local(date(2030, 6, 7)), "re-planned for tomorrow"
    assert await staff_deadlines.escalate(app, batch_id, "P2", day1 + timedelta(minutes=1)) == 0, "once a day"
    late = local(date(2030, 6, 9), 15).astimezone(timezone.utc)  # the bot was down for two days: one late message
    assert await staff_deadlines.escalate(app, batch_id, "P2", late) == 1
    assert "Overdue by 4 day" in (await notifications(app, ADMIN_ID))[-1].payload["text"]
    assert await jobs.run_time(f"dl:{batch_id}:P2:esc") == local(date(2030, 6, 10))

    async with app.sessions() as session:
        marked = await staff_deadlines.mark_done(app, session, ADMIN_ID, batch_id, "P2", late)
        assert marked is not None and not marked.already
        await session.commit()
    assert await staff_deadlines.stop_jobs(app, batch_id, "P2") == 3
    assert await jobs.job_ids(f"dl:{batch_id}:P2:") == []
    assert await staff_deadlines.escalate(app, batch_id, "P2", late + timedelta(days=1)) == 0
    assert await staff_deadlines.remind(app, batch_id, "P2", 0, late + timedelta(days=1)) == 0
    await staff_deadlines.refresh_batch(app, batch_id, late)
    assert await jobs.job_ids(f"dl:{batch_id}:P2:") == [], "a refresh does not re-plan a deadline done"
    assert await jobs.job_ids(f"dl:{batch_id}:P4:")


async def test_no_scheduler_still_stores_rows_and_unknown_policy_gives_none(app: App) -> None:
    batch_id = await setup(app)
    assert app.jobs is None
    assert await staff_deadlines.refresh_batch(app, batch_id, NOW) == 6
    app.settings.policy = "nowhere"
    async with app.sessions() as session:
        assert await staff_deadlines.derive_rows(app, session, batch_id, NOW) == []


async def test_a_reminder_firing_after_the_date_leaves_it_to_the_escalation(app: App) -> None:
    batch_id = await setup(app)
    await staff_deadlines.refresh_batch(app, batch_id, NOW)
    assert await staff_deadlines.remind(app, batch_id, "P2", 3, local(date(2030, 6, 6)).astimezone(timezone.utc)) == 0
    assert await notifications(app) == []
