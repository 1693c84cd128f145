"""/broadcast, /stats, /export and /staff through the production dispatcher on every transport: O2 words refused,
a confirmed broadcast queued once (double press) and delivered by the outbox worker against an emulated 30 msg/s limit
with no loss; pass rates with the O1 flag; a batch export with masked ID numbers; role changes by admins only."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from sqlmodel import select

from bot.app import App
from bot.delivery import DeliveryWorker
from bot.rules.id_numbers import make_resident_id
from storage.models import AuditLog, Broadcast, ExamBatch, Notification, Score, Ticket, UserAccount
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import BIRTH, ID_NUMBER, add_user, insert_application
from tests.support.catalog import open_announcement

STAFF_ID, CANDIDATE = 890001, 890002
PROCTORS = [891000 + i for i in range(40)]
TODAY = datetime.now(timezone.utc).date()


class Clock:
    """A monotonic clock that sleeping moves forward at once, shared by the worker and the emulator's limit."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def rows(app: App, model: type) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model))).all())


async def press(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def test_broadcast_refuses_o2_words_and_delivers_once_within_the_limit(harness: Harness) -> None:
    for proctor in PROCTORS:
        await add_user(harness.app, proctor, "proctor")
    await add_user(harness.app, CANDIDATE)

    await harness.feed(u.command(ADMIN_ID, "broadcast", "role proctor 本中心包过，国家认可"))
    assert "包过、国家" in harness.last_text() and "（十九）" in harness.last_text()
    assert await rows(harness.app, Broadcast) == []

    await harness.feed(u.command(CANDIDATE, "broadcast", "role proctor 明天 7:30 到考点集合"))
    assert await rows(harness.app, Broadcast) == [], "candidates cannot broadcast"

    await harness.feed(u.command(ADMIN_ID, "broadcast", "role proctor 明天 7:30 到考点集合"))
    assert "共 40 人" in harness.last_text()
    (draft,) = await rows(harness.app, Broadcast)
    assert await rows(harness.app, Notification) == [], "nothing is queued before the confirmation"
    await press(harness, f"bc:ok:{draft.id}")
    assert "40 条消息" in harness.last_text()
    await harness.feed(u.callback(ADMIN_ID, f"bc:ok:{draft.id}"))  # a double press
    assert "不会重复发送" in harness.last_text()
    assert len(await rows(harness.app, Notification)) == 40

    harness.clear()
    clock = Clock()
    harness.api.limit_rate(per_second=30, clock=clock)
    worker = DeliveryWorker(harness.app, harness.transport.deliver, clock=clock, sleep=clock.sleep)
    assert await worker.drain_once() == 40
    delivered = harness.api.delivered()
    assert sorted(int(c.params["chat_id"]) for c in delivered) == PROCTORS, "every proctor exactly once"
    assert all("明天 7:30 到考点集合" in str(c.params["text"]) for c in delivered)
    assert all(c.status == 200 for c in harness.api.calls_of("sendMessage")), "the worker keeps within 30 msg/s"
    assert clock.now - 1000.0 >= 1.0, "40 messages at 25/s take more than a second"

    await harness.feed(u.command(ADMIN_ID, "broadcast"))
    assert "共 40，已发送 40，失败 0，待发送 0" in harness.last_text()
    actions = [a.action for a in await rows(harness.app, AuditLog)]
    assert actions.count("broadcast_send") == 1


async def _scored_batch(app: App) -> ExamBatch:
    """A batch held last month with three candidates: two passed both subjects, one failed practical."""
    announcement = await open_announcement(app, TODAY - timedelta(days=60))
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4, name="春季电工",
                          exam_date=TODAY - timedelta(days=30))
        session.add(batch)
        await session.commit()
    for i, passed_practical in enumerate((True, True, False)):
        application = await insert_application(app, announcement, 892000 + i, number=f"SQ{i}", status="approved",
                                                id_number=make_resident_id("360102", BIRTH, 130 + i) if i else ID_NUMBER)
        async with app.sessions() as session:
            ticket = Ticket(number=f"2600{i}", batch_id=batch.id or 0, application_id=application.id or 0, user_id=892000 + i, sequence=i + 1)
            session.add(ticket)
            await session.flush()
            for subject, passed in (("theory", True), ("practical", passed_practical)):
                session.add(Score(batch_id=batch.id or 0, ticket_id=ticket.id or 0, subject=subject, value=80 if passed else 40,
                                  passed=passed, confirmed_by=ADMIN_ID))
            await session.commit()
    return batch


async def test_stats_and_export(harness: Harness) -> None:
    await add_user(harness.app, STAFF_ID, "staff")
    await harness.feed(u.command(STAFF_ID, "stats"))
    assert "还没有批次" in harness.last_text()

    batch = await _scored_batch(harness.app)
    await harness.feed(u.command(STAFF_ID, "stats"))
    report = harness.last_text()
    assert "春季电工" in report and "考生 3，参考 3，合格 2，通过率 66.7%" in report
    assert "⚠️" not in report
    viewed = [a for a in await rows(harness.app, AuditLog) if a.action == "command" and a.entity_id == "stats"]
    assert [a.actor_id for a in viewed] == [STAFF_ID, STAFF_ID], "each /stats is audited"

    await harness.feed(u.command(STAFF_ID, "export"))
    assert "/export scores" in harness.last_text()
    await harness.feed(u.command(STAFF_ID, "export", f"scores {batch.id}"))
    (document,) = harness.api.calls_of("sendDocument")
    sheet = load_workbook(io.BytesIO(next(iter(document.files.values())))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 1 + 6 and values[1][1] == "张三"
    assert values[1][2] != ID_NUMBER and ID_NUMBER[:3] in values[1][2], "ID numbers are masked"
    assert any(a.action == "export" and a.entity == "exam_batch" for a in await rows(harness.app, AuditLog))

    await harness.feed(u.command(CANDIDATE, "stats"))
    assert "通过率" not in harness.last_text()
    assert len([a for a in await rows(harness.app, AuditLog) if a.entity_id == "stats"]) == 2, "a refused /stats is not run"


async def test_o1_flag_above_90_percent(harness: Harness) -> None:
    batch = await _scored_batch(harness.app)
    async with harness.app.sessions() as session:
        for score in (await session.exec(select(Score).where(Score.batch_id == batch.id))).all():
            score.passed = True
            session.add(score)
        await session.commit()
    await harness.feed(u.command(ADMIN_ID, "stats"))
    assert "⚠️" in harness.last_text() and "重点监管" in harness.last_text() and "100.0%" in harness.last_text()


async def test_staff_role_change_by_admin_only(harness: Harness) -> None:
    await add_user(harness.app, STAFF_ID, "staff")
    await add_user(harness.app, PROCTORS[0], "proctor")
    await add_user(harness.app, CANDIDATE)

    await harness.feed(u.command(STAFF_ID, "staff"))
    assert "工作人员与考评人员账号" in harness.last_text()
    assert not any(b.get("callback_data", "").startswith("sf:") for b in harness.buttons()), "staff read only"
    await harness.feed(u.callback(STAFF_ID, f"sf:r:{PROCTORS[0]}:admin"))
    await harness.feed(u.command(CANDIDATE, "staff"))
    await harness.feed(u.callback(CANDIDATE, f"sf:r:{PROCTORS[0]}:admin"))
    async with harness.app.sessions() as session:
        assert (await session.get(UserAccount, PROCTORS[0])).role == "proctor"  # type: ignore[union-attr]

    await harness.feed(u.command(ADMIN_ID, "staff"))
    assert f"sf:u:{ADMIN_ID}" not in [b.get("callback_data") for b in harness.buttons()], "not their own account"
    await press(harness, f"sf:u:{PROCTORS[0]}")
    await press(harness, f"sf:r:{PROCTORS[0]}:supervisor")
    assert "监督" in harness.last_text() or "督导" in harness.last_text()
    async with harness.app.sessions() as session:
        assert (await session.get(UserAccount, PROCTORS[0])).role == "supervisor"  # type: ignore[union-attr]
    audits = [a for a in await rows(harness.app, AuditLog) if a.action == "staff_set_role"]
    assert [(a.actor_id, a.before, a.after) for a in audits] == [(ADMIN_ID, {"role": "proctor"}, {"role": "supervisor"})]
    await harness.feed(u.callback(ADMIN_ID, f"sf:r:{ADMIN_ID}:candidate"))
    assert "不能调整" in harness.last_text()


