"""Attendance at a sitting (DOMAIN C6 five-point check, C7 absentees): time windows, who may record, status changes
and their audit, the immediate mismatch report, the T+30 absentee list and its jobs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.util import ref_to_obj
from sqlmodel import select

from bot.app import App
from bot.scheduler import attendance_jobs
from bot.scheduler.service import SchedulerService
from bot.services import attendance, attendance_usecases, exam_day
from bot.services.turn import Actor, Outcome, Turn
from flows import attendance as flow
from flows.events import Command
from storage.models import Attendance, AuditLog, ExamRoom, ExamSession, Notification
from storage.repositories import users
from tests.conftest import ADMIN_ID
from tests.support.applications import add_user
from tests.support.attendance_sitting import (
    ASSESSOR, CHIEF, DEPUTY, NAMES, OTHER_CHIEF, STAFF, STRANGER, SUPERVISOR, Sitting, id_number, make_sitting,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = (datetime.now(timezone.utc) + timedelta(days=10)).astimezone(TZ).date()
T = datetime(DAY.year, DAY.month, DAY.day, 9, 0, tzinfo=TZ).astimezone(timezone.utc)
E = T + timedelta(minutes=90)
A, B, C, D = 0, 1, 2, 3  # candidate indexes: A, B, C in room 301; D in room 302


@pytest.fixture
async def sitting(app: App) -> Sitting:
    return await make_sitting(app, T)


async def account(app: App, user_id: int):
    async with app.sessions() as session:
        found = await users.get(session, user_id)
        assert found is not None
        return found


async def press(app: App, user_id: int, seat_id: int, status: str, now: datetime) -> flow.Press:
    async with app.sessions() as session:
        user = await users.get(session, user_id)
        assert user is not None
        result = await attendance.record(app, session, user, seat_id, status, now)
        await session.commit()
        return result


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def statuses(app: App) -> dict[int, str]:
    return {r.seat_id: r.status for r in await rows(app, Attendance)}


# --- pure rules -----------------------------------------------------------------------------------------------------


def test_the_check_window_runs_from_t_minus_40_until_the_end() -> None:
    assert not attendance.in_progress(T, E, T - timedelta(minutes=41))
    assert attendance.in_progress(T, E, T - timedelta(minutes=40))
    assert attendance.in_progress(T, E, E - timedelta(seconds=1))
    assert not attendance.in_progress(T, E, E)
    assert attendance.in_progress(T.replace(tzinfo=None), E.replace(tzinfo=None), T), "naive store times are UTC"


def test_absentees_are_recorded_from_t_plus_30_until_the_end() -> None:
    assert not attendance.absentees_open(T, E, T + timedelta(minutes=29, seconds=59))
    assert attendance.absentees_open(T, E, T + timedelta(minutes=30))
    assert not attendance.absentees_open(T, E, E)


def test_who_may_record() -> None:
    room = ExamRoom(id=1, session_id=1, name="301", kind="desk", capacity=3, chief_id=CHIEF, deputy_id=DEPUTY)
    from storage.models import ExamBatch

    batch = ExamBatch(id=1, occupation_id=1, level=4, name="b", exam_date=DAY, supervisor_id=SUPERVISOR)
    allowed = {(CHIEF, "proctor"), (DEPUTY, "proctor"), (SUPERVISOR, "supervisor"), (STAFF, "staff"), (ADMIN_ID, "admin")}
    for user_id, role in allowed:
        assert attendance.may_record(user_id, role, room, batch), (user_id, role)
    for user_id, role in ((OTHER_CHIEF, "proctor"), (ASSESSOR, "assessor"), (STRANGER, "supervisor"), (CHIEF, "candidate")):
        assert not attendance.may_record(user_id, role, room, batch), (user_id, role)


def test_callback_data_round_trips_and_rejects_garbage() -> None:
    for kind in flow.KINDS:
        raw = flow.data(kind, 10**14)
        assert len(raw.encode()) <= 64 and flow.parse(raw) == flow.Action(kind, 10**14)
    for bad in ("fp:ok", "fp:ok:", "fp:ok:-1", "fp:ok:0", "fp:nope:1", "bt:ok:1", "fp:ok:1:2", "fp:ok:１", "fp:ok:1e3"):
        assert flow.parse(bad) is None, bad


def test_status_labels_cover_exactly_the_service_statuses() -> None:
    assert set(flow.STATUS_LABELS) == set(attendance.STATUSES)
    assert (attendance.CHECKED, attendance.MISMATCH, attendance.ABSENT) == ("checked", "mismatch", "absent")


# --- recording ------------------------------------------------------------------------------------------------------


async def test_proctors_of_the_room_supervisor_and_staff_record_others_are_refused(app: App, sitting: Sitting) -> None:
    now = T + timedelta(minutes=5)
    for user_id in (OTHER_CHIEF, ASSESSOR, STRANGER):
        assert (await press(app, user_id, sitting.seats[A], attendance.CHECKED, now)).outcome == flow.DENIED
    await add_user(app, 777, "candidate")
    assert (await press(app, 777, sitting.seats[A], attendance.CHECKED, now)).outcome == flow.DENIED
    assert not await rows(app, Attendance)
    assert (await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, now)).outcome == flow.RECORDED
    assert (await press(app, SUPERVISOR, sitting.seats[B], attendance.CHECKED, now)).outcome == flow.RECORDED
    assert (await press(app, STAFF, sitting.seats[D], attendance.CHECKED, now)).outcome == flow.RECORDED
    assert (await press(app, OTHER_CHIEF, sitting.seats[C], attendance.CHECKED, now)).outcome == flow.DENIED
    (row,) = await rows(app, Attendance, Attendance.seat_id == sitting.seats[A])
    assert (row.status, row.recorded_by, row.room_id, row.session_id) == ("checked", DEPUTY, sitting.room_301, sitting.session_id)


async def test_nothing_is_recorded_outside_the_sitting(app: App, sitting: Sitting) -> None:
    for now in (T - timedelta(minutes=41), E, E + timedelta(hours=3)):
        result = await press(app, CHIEF, sitting.seats[A], attendance.CHECKED, now)
        assert result.outcome == flow.CLOSED and result.view["room"] == "301"
        assert (await press(app, STAFF, sitting.seats[A], attendance.CHECKED, now)).outcome == flow.CLOSED
    assert not await rows(app, Attendance)
    assert (await press(app, CHIEF, sitting.seats[A], attendance.CHECKED, T - timedelta(minutes=40))).outcome == flow.RECORDED


async def test_repressing_changes_the_status_with_an_audit_and_never_duplicates(app: App, sitting: Sitting) -> None:
    now, seat = T + timedelta(minutes=3), sitting.seats[A]
    assert (await press(app, DEPUTY, seat, attendance.CHECKED, now)).outcome == flow.RECORDED
    again = await press(app, CHIEF, seat, attendance.CHECKED, now)
    assert (again.outcome, again.status) == (flow.UNCHANGED, "checked")
    changed = await press(app, CHIEF, seat, attendance.MISMATCH, now + timedelta(minutes=1))
    assert (changed.outcome, changed.previous, changed.status) == (flow.CHANGED, "checked", "mismatch")
    back = await press(app, DEPUTY, seat, attendance.CHECKED, now + timedelta(minutes=2))
    assert (back.outcome, back.previous) == (flow.CHANGED, "mismatch")
    (row,) = await rows(app, Attendance)
    assert (row.status, row.recorded_by) == ("checked", DEPUTY)
    trail = await rows(app, AuditLog, AuditLog.entity == "attendance")
    assert [(a.action, a.actor_id, (a.before or {}).get("status"), a.after["status"]) for a in trail] == [
        ("record_attendance", DEPUTY, None, "checked"),
        ("change_attendance", CHIEF, "checked", "mismatch"),
        ("change_attendance", DEPUTY, "mismatch", "checked"),
    ]
    assert all(str(a.entity_id) == str(row.id) for a in trail)


async def test_a_concurrent_first_record_wins_through_the_unique_seat(app: App, sitting: Sitting) -> None:
    seat = sitting.seats[A]
    async with app.sessions() as first:
        first.add(Attendance(seat_id=seat, session_id=sitting.session_id, room_id=sitting.room_301,
                             ticket_id=sitting.tickets[A], status="checked", recorded_by=DEPUTY))
        await first.commit()
    async with app.sessions() as second:
        late = Attendance(seat_id=seat, session_id=sitting.session_id, room_id=sitting.room_301,
                          ticket_id=sitting.tickets[A], status="mismatch", recorded_by=CHIEF)
        existing = await attendance.insert_or_existing(second, late)
        assert existing is not None and (existing.status, existing.recorded_by) == ("checked", DEPUTY)
        await second.commit()  # the session is still usable after the lost race
    assert len(await rows(app, Attendance)) == 1


async def test_a_mismatch_is_reported_once_to_chief_supervisor_and_staff_with_masked_data(app: App, sitting: Sitting) -> None:
    await add_user(app, ADMIN_ID, "admin")
    now = T + timedelta(minutes=4)
    result = await press(app, DEPUTY, sitting.seats[B], attendance.MISMATCH, now)
    assert result.outcome == flow.RECORDED and result.notified == 4
    notices = await rows(app, Notification, Notification.dedup_key.startswith("fpx:"))  # type: ignore[union-attr]
    assert sorted(n.chat_id for n in notices) == sorted([CHIEF, SUPERVISOR, STAFF, ADMIN_ID]), "not the reporter, not other rooms"
    text = notices[0].payload["text"]
    full = id_number(B)
    assert "人证不符" in text and "301" in text and sitting.numbers[B] in text and "刘副监" in text
    assert full not in text and full[:4] + "*" * 10 + full[-4:] in text
    assert NAMES[B] not in text and NAMES[B][0] + "*" in text
    again = await press(app, CHIEF, sitting.seats[B], attendance.MISMATCH, now)
    assert again.outcome == flow.UNCHANGED and again.notified == 0
    await press(app, CHIEF, sitting.seats[B], attendance.CHECKED, now)
    flipped = await press(app, CHIEF, sitting.seats[B], attendance.MISMATCH, now)
    assert flipped.outcome == flow.CHANGED
    assert len(await rows(app, Notification, Notification.dedup_key.startswith("fpx:"))) == 4, "once per seat and person"  # type: ignore[union-attr]
    by_chief = await press(app, CHIEF, sitting.seats[C], attendance.MISMATCH, now)
    assert by_chief.notified == 3
    told = await rows(app, Notification, Notification.dedup_key.startswith(f"fpx:{sitting.seats[C]}:"))  # type: ignore[union-attr]
    assert sorted(n.chat_id for n in told) == sorted([SUPERVISOR, STAFF, ADMIN_ID]), "the reporting chief is not notified"


async def test_absent_only_from_t_plus_30_and_never_over_a_check(app: App, sitting: Sitting) -> None:
    early = await press(app, CHIEF, sitting.seats[C], attendance.ABSENT, T + timedelta(minutes=20))
    assert early.outcome == flow.TOO_EARLY and early.view["opens"] == "09:30"
    await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, T + timedelta(minutes=2))
    later = T + timedelta(minutes=31)
    assert (await press(app, CHIEF, sitting.seats[A], attendance.ABSENT, later)).outcome == flow.TAKEN
    assert (await press(app, CHIEF, sitting.seats[C], attendance.ABSENT, later)).outcome == flow.RECORDED
    turned_up = await press(app, DEPUTY, sitting.seats[C], attendance.CHECKED, later + timedelta(minutes=5))
    assert (turned_up.outcome, turned_up.previous) == (flow.CHANGED, "absent"), "an absentee who is present is checked"
    assert await statuses(app) == {sitting.seats[A]: "checked", sitting.seats[C]: "checked"}


async def test_a_void_ticket_or_a_released_seat_cannot_be_recorded(app: App, sitting: Sitting) -> None:
    from storage.models import Seat, Ticket

    async with app.sessions() as session:
        ticket = await session.get(Ticket, sitting.tickets[A])
        assert ticket is not None
        ticket.status = "void"
        session.add(ticket)
        await session.commit()
    assert (await press(app, CHIEF, sitting.seats[A], attendance.CHECKED, T)).outcome == flow.GONE
    assert (await press(app, CHIEF, 10**9, attendance.CHECKED, T)).outcome == flow.GONE
    assert await rows(app, Seat, Seat.id == sitting.seats[A]), "the seat row itself is untouched"
    assert not await rows(app, Attendance)


# --- the T+30 list ----------------------------------------------------------------------------------------------------


async def test_the_t_plus_30_list_names_only_the_unchecked_once_per_proctor(app: App, sitting: Sitting) -> None:
    await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, T + timedelta(minutes=1))
    await press(app, DEPUTY, sitting.seats[B], attendance.MISMATCH, T + timedelta(minutes=2))
    await press(app, OTHER_CHIEF, sitting.seats[D], attendance.CHECKED, T + timedelta(minutes=2))
    assert await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=20)) == 0, "too early: an older start"
    assert await attendance.fire_absentees(app, sitting.session_id, E) == 0, "the sitting is over"
    assert await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=30)) == 3
    lists = {n.chat_id: n.payload for n in await rows(app, Notification, Notification.dedup_key.startswith("atl:"))}  # type: ignore[union-attr]
    assert set(lists) == {CHIEF, DEPUTY, OTHER_CHIEF}
    text = lists[CHIEF]["text"]
    assert NAMES[C] in text and sitting.numbers[C] in text and NAMES[A] not in text and NAMES[B] not in text
    full = id_number(C)
    assert full not in text and full[:4] + "*" * 10 + full[-4:] in text
    data = [b["callback_data"] for row in lists[CHIEF]["markup"]["rows"] for b in row]
    assert data == [f"fp:abs:{sitting.seats[C]}", f"fp:absall:{sitting.room_301}"]
    assert "均已核验" in lists[OTHER_CHIEF]["text"] and "markup" not in lists[OTHER_CHIEF], "room 302 is all clear"
    assert await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=40)) == 0, "sent once"


async def test_a_list_missed_while_down_is_sent_late_until_the_end(app: App, sitting: Sitting) -> None:
    assert await attendance.fire_absentees(app, sitting.session_id, E - timedelta(minutes=1)) == 3
    assert await attendance.fire_absentees(app, 10**9, T + timedelta(minutes=30)) == 0, "an unknown sitting"


async def test_all_absent_affects_only_those_unrecorded_at_press_time(app: App, sitting: Sitting) -> None:
    await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, T + timedelta(minutes=1))
    await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=30))  # lists B and C
    await press(app, DEPUTY, sitting.seats[B], attendance.CHECKED, T + timedelta(minutes=32))  # B turns up meanwhile
    chief, other_chief = await account(app, CHIEF), await account(app, OTHER_CHIEF)
    async with app.sessions() as session:
        too_early = await attendance.absent_all(app, session, chief, sitting.room_301, T + timedelta(minutes=29))
        assert too_early.outcome == flow.TOO_EARLY
        other = await attendance.absent_all(app, session, other_chief, sitting.room_301, T + timedelta(minutes=33))
        assert other.outcome == flow.DENIED
        done = await attendance.absent_all(app, session, chief, sitting.room_301, T + timedelta(minutes=33))
        await session.commit()
    assert (done.outcome, done.count) == (flow.RECORDED, 1)
    assert await statuses(app) == {sitting.seats[A]: "checked", sitting.seats[B]: "checked", sitting.seats[C]: "absent"}
    async with app.sessions() as session:
        again = await attendance.absent_all(app, session, chief, sitting.room_301, T + timedelta(minutes=34))
        await session.commit()
    assert (again.outcome, again.count) == (flow.UNCHANGED, 0)
    assert sitting.seats[D] not in await statuses(app), "another room is untouched"


async def test_room_counts(app: App, sitting: Sitting) -> None:
    await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, T)
    await press(app, DEPUTY, sitting.seats[B], attendance.MISMATCH, T)
    async with app.sessions() as session:
        lines = await attendance.roster(app, session, sitting.room_301)
    assert [line.name for line in lines] == list(NAMES[:3])
    assert attendance.counts(lines) == {"checked": 1, "mismatch": 1, "absent": 0, "none": 1, "total": 3}


# --- turn level: /check and /attendance with an injected now -----------------------------------------------------------


async def turn_of(app: App, user_id: int, now: datetime, command: Command) -> Outcome:
    async with app.sessions() as session:
        turn = Turn(app, session, Actor(user_id, user_id, "T"), now=now)
        return await attendance_usecases.route(turn, command)


def texts(outcome: Outcome) -> str:
    return "\n".join(o.text for o in outcome.outgoing)


async def test_check_by_number_normalizes_and_keeps_proctors_to_their_room(app: App, sitting: Sitting) -> None:
    now = T + timedelta(minutes=5)
    typed = " ".join(sitting.numbers[A][i:i + 4] for i in range(0, 11, 4)).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    card = await turn_of(app, DEPUTY, now, Command("check", typed))
    (photo,) = [o for o in card.outgoing if o.kind == "photo"]
    assert "301" in photo.text and NAMES[A] in photo.text and id_number(A) not in photo.text
    assert [b["callback_data"] for row in photo.markup.rows for b in row] == [f"fp:ok:{sitting.seats[A]}", f"fp:bad:{sitting.seats[A]}"]
    assert "不在您当前负责的考场" in texts(await turn_of(app, DEPUTY, now, Command("check", sitting.numbers[D])))
    assert NAMES[D] not in texts(await turn_of(app, DEPUTY, now, Command("check", sitting.numbers[D])))
    assert "不是准考证号" in texts(await turn_of(app, DEPUTY, now, Command("check", "12345")))
    unknown = sitting.numbers[A][:-4] + "9999"
    assert "没有准考证号为" in texts(await turn_of(app, DEPUTY, now, Command("check", unknown)))
    assert "用法" in texts(await turn_of(app, DEPUTY, now, Command("check", "")))
    assert "没有正在进行的监考场次" in texts(await turn_of(app, DEPUTY, T - timedelta(hours=2), Command("check", sitting.numbers[A])))
    staff_later = await turn_of(app, STAFF, E + timedelta(hours=1), Command("check", sitting.numbers[A]))
    (staff_photo,) = [o for o in staff_later.outgoing if o.kind == "photo"]
    assert staff_photo.markup is None and "301" in staff_photo.text, "outside the sitting: details without buttons"


async def test_attendance_overview_for_a_proctor_and_for_staff(app: App, sitting: Sitting) -> None:
    now = T + timedelta(minutes=35)
    await press(app, DEPUTY, sitting.seats[A], attendance.CHECKED, now)
    proctor = texts(await turn_of(app, CHIEF, now, Command("attendance")))
    assert "应考 3 人：已核验 1" in proctor and "未记录 2" in proctor and NAMES[C] in proctor and NAMES[D] not in proctor
    staff = await turn_of(app, STAFF, now, Command("attendance"))
    (message,) = staff.outgoing
    assert "考场 301" in message.text and "考场 302" in message.text
    assert [b["callback_data"] for row in message.markup.rows for b in row] == [f"fp:room:{sitting.room_301}", f"fp:room:{sitting.room_302}"]
    by_id = texts(await turn_of(app, STAFF, E + timedelta(days=1), Command("attendance", str(sitting.session_id))))
    assert f"#{sitting.session_id}" in by_id
    by_day = texts(await turn_of(app, STAFF, E + timedelta(days=1), Command("attendance", DAY.isoformat())))
    assert "考场 302" in by_day
    assert "用法" in texts(await turn_of(app, STAFF, now, Command("attendance", "tomorrow")))
    assert "没有您负责的考场" in texts(await turn_of(app, CHIEF, E, Command("attendance")))


# --- planning ----------------------------------------------------------------------------------------------------------


async def test_planning_replanning_and_cancelling_the_t_plus_30_job(app: App, jobs: SchedulerService, sitting: Sitting) -> None:
    job = f"att:{sitting.session_id}"
    assert ref_to_obj(attendance.FIRE_ABSENTEES) is attendance_jobs.fire_absentees
    assert attendance in exam_day.PLANNERS
    assert await exam_day.plan_batch(app, sitting.batch_id) >= 1
    assert await jobs.run_time(job) == T + timedelta(minutes=30)
    moved = T + timedelta(hours=2)
    assert await attendance.plan_sitting(app, sitting.session_id, moved, moved + timedelta(minutes=90)) == 1
    assert await jobs.run_time(job) == moved + timedelta(minutes=30)
    assert await jobs.job_ids("att:") == [job]
    assert await attendance.cancel_sitting(app, sitting.session_id) == 1
    assert await jobs.run_time(job) is None and await attendance.cancel_sitting(app, sitting.session_id) == 0
    past = datetime.now(timezone.utc) - timedelta(hours=3)
    await attendance.plan_sitting(app, sitting.session_id, T, E)
    assert await attendance.plan_sitting(app, sitting.session_id, past, past + timedelta(minutes=90)) == 0
    assert await jobs.run_time(job) is None, "a sitting already over loses its job"


async def test_the_job_entry_point_fires_for_the_bound_app(app: App, jobs: SchedulerService) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=31)
    sitting = await make_sitting(app, start)
    await attendance_jobs.fire_absentees(sitting.session_id)
    assert {n.chat_id for n in await rows(app, Notification, Notification.dedup_key.startswith("atl:"))} == {CHIEF, DEPUTY, OTHER_CHIEF}  # type: ignore[union-attr]


async def test_without_a_scheduler_planning_does_nothing(app: App) -> None:
    assert app.jobs is None
    assert await attendance.plan_sitting(app, 1, T, E) == 0 and await attendance.cancel_sitting(app, 1) == 0


async def test_moved_sitting_gets_a_new_list(app: App, sitting: Sitting) -> None:
    assert await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=30)) == 3
    later = T + timedelta(hours=2)
    async with app.sessions() as session:
        exam = await session.get(ExamSession, sitting.session_id)
        assert exam is not None
        exam.starts_at, exam.ends_at = later, later + timedelta(minutes=90)
        session.add(exam)
        await session.commit()
    assert await attendance.fire_absentees(app, sitting.session_id, T + timedelta(minutes=31)) == 0, "old time: dropped"
    assert await attendance.fire_absentees(app, sitting.session_id, later + timedelta(minutes=30)) == 3
