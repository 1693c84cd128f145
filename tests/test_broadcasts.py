"""Broadcast service: audience resolution, O2 refusal, one notification per recipient even on a double confirm,
progress read from the notification rows; pure parsing of the command and buttons."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from bot.app import App
from bot.services import broadcasts, outbox
from flows import broadcast as flow
from storage.models import AuditLog, Broadcast, ExamBatch, Notification, Ticket
from tests.support.applications import add_user, insert_application
from tests.support.catalog import open_announcement

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
STAFF = 880001


async def _batch_with_candidates(app: App) -> int:
    """A batch whose announcement has two approved applicants (one with a ticket) and one still submitted."""
    announcement = await open_announcement(app, date(2026, 3, 1))
    await insert_application(app, announcement, 881001, number="SQ1", status="approved")
    holder = await insert_application(app, announcement, 881002, number="SQ2", status="approved")
    await insert_application(app, announcement, 881003, number="SQ3", status="submitted")
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4, name="B", exam_date=date(2026, 4, 1))
        session.add(batch)
        await session.flush()
        assert batch.id is not None and holder.id is not None
        session.add(Ticket(number="26000140001", batch_id=batch.id, application_id=holder.id, user_id=881002, sequence=1))
        await session.commit()
        return batch.id


def test_parse_command_and_buttons() -> None:
    assert flow.parse("") is None
    parsed = flow.parse("batch ＃１２  考试 时间 调整\n第二行")
    assert parsed == flow.Request(flow.Audience("batch", "12"), "考试 时间 调整\n第二行")
    assert flow.parse("role Proctor 明天 8 点集合") == flow.Request(flow.Audience("role", "proctor"), "明天 8 点集合")
    assert isinstance(flow.parse("role king hi"), flow.Problem) and flow.parse("role king hi").key == "bad_role"  # type: ignore[union-attr]
    assert flow.parse("batch x hi").key == "bad_batch"  # type: ignore[union-attr]
    assert flow.parse("batch 3").key == "no_text"  # type: ignore[union-attr]
    assert flow.parse("everyone hi").key == "usage"  # type: ignore[union-attr]
    assert flow.parse("role staff " + "字" * (flow.MAX_TEXT + 1)).key == "too_long"  # type: ignore[union-attr]
    assert flow.parse_button("bc:ok:7") == ("ok", 7) and flow.parse_button("bc:ls") == ("ls", None)
    assert flow.parse_button("bc:ok:x") is None and flow.parse_button("bc:zz:1") is None


def test_o2_words_are_named() -> None:
    assert broadcasts.forbidden_words("本机构包 过，国家认可") == ("包过", "国家")
    assert broadcasts.forbidden_words("依据国家职业技能标准，考试时间调整为9点") == ()


async def test_audiences(app: App) -> None:
    batch_id = await _batch_with_candidates(app)
    for user, role in ((882001, "proctor"), (882002, "proctor"), (882003, "staff")):
        await add_user(app, user, role)
    async with app.sessions() as session:
        assert await broadcasts.recipients(session, flow.Audience("batch", str(batch_id))) == [881001, 881002]
        assert await broadcasts.recipients(session, flow.Audience("role", "proctor")) == [882001, 882002]
        assert await broadcasts.recipients(session, flow.Audience("batch", "999")) is None


async def test_double_confirm_queues_once_and_progress_counts(app: App) -> None:
    for user in (883001, 883002, 883003):
        await add_user(app, user, "proctor", locale="en" if user == 883003 else None)
    async with app.sessions() as session:
        row = await broadcasts.draft(session, STAFF, flow.Audience("role", "proctor"), "明早 7:30 到考点", 3)
        await session.commit()
        assert row.id is not None
        broadcast_id = row.id
    async with app.sessions() as session:
        progress = (await broadcasts.recent(session))[0]
        assert (progress.total, progress.confirmed) == (3, False)
    async with app.sessions() as session:
        first = await broadcasts.confirm(app, session, STAFF, broadcast_id, NOW)
    async with app.sessions() as session:
        second = await broadcasts.confirm(app, session, STAFF, broadcast_id, NOW)
    assert first == broadcasts.Confirmed(broadcast_id, 3, False)
    assert second == broadcasts.Confirmed(broadcast_id, 0, True)
    async with app.sessions() as session:
        rows = list((await session.exec(select(Notification).order_by(Notification.id))).all())  # type: ignore[arg-type]
        assert [r.dedup_key for r in rows] == [f"bc:{broadcast_id}:{c}" for c in (883001, 883002, 883003)]
        assert rows[0].payload["text"].startswith("📢 通知") and rows[2].payload["text"].startswith("📢 Notice")
        assert all("明早 7:30 到考点" in r.payload["text"] for r in rows)
        await outbox.mark_sent(session, rows[0].id or 0, NOW)  # not in `sending`: unchanged
        claimed = await outbox.claim_due(session, NOW, 10, timedelta(minutes=5))
        await outbox.mark_sent(session, claimed[0].id or 0, NOW)
        await outbox.mark_failed(session, claimed[1].id or 0, "Forbidden: bot was blocked by the user")
    async with app.sessions() as session:
        progress = (await broadcasts.recent(session))[0]
        assert (progress.total, progress.sent, progress.failed, progress.pending) == (3, 1, 1, 1)
        actions = [a.action for a in (await session.exec(select(AuditLog))).all()]
        assert actions.count("broadcast_draft") == 1 and actions.count("broadcast_send") == 1
        assert not await broadcasts.drop(session, STAFF, broadcast_id), "a confirmed broadcast cannot be dropped"


async def test_a_draft_can_be_dropped(app: App) -> None:
    async with app.sessions() as session:
        row = await broadcasts.draft(session, STAFF, flow.Audience("role", "staff"), "hi", 1)
        await session.commit()
        assert row.id is not None
        assert await broadcasts.drop(session, STAFF, row.id)
        assert (await session.exec(select(Broadcast))).all() == []
        assert await broadcasts.confirm(app, session, STAFF, row.id, NOW) is None

