"""Staff enter scores twice (L3), publish them (P5) and issue certificates (K2) that /cert finds, on every transport."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.app import App
from bot.services import staff_deadlines
from storage.models import AuditLog, Certificate, ExamBatch, Notification, Score
from tests.conftest import Harness
from tests.support import updates as u
from tests.support.score_batch import CANDIDATES, K2_PREFIX, STAFF_A, STAFF_B, good_rows, score_batch, sheet_csv
from tests.test_scenarios_cert_import import callbacks, send_file, uploaded

TODAY = date.today()


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


@pytest.fixture
def refreshed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batches whose staff deadlines were refreshed (the real refresh needs the scheduler)."""
    calls: list[int] = []

    async def record(app: App, batch_id: int) -> int:
        calls.append(batch_id)
        return 0

    monkeypatch.setattr(staff_deadlines, "refresh_batch", record)
    return calls


async def test_double_entry_publish_issue_and_cert_query(harness: Harness, refreshed: list[int]) -> None:
    app = harness.app
    batch = await score_batch(app)
    bid = batch.batch_id

    await harness.feed(u.command(STAFF_A, "scores", str(bid)))
    (call,) = harness.api.calls_of("sendDocument")
    assert "3 名考生" in str(call.params["caption"])
    book = load_workbook(io.BytesIO(uploaded(call, "document")))
    sheet = book.active
    assert sheet is not None and [c.value for c in sheet[1]] == ["准考证号", "姓名", "理论知识", "操作技能"]
    for r, values in enumerate(good_rows(batch), start=2):  # round 1: the template filled in
        assert sheet.cell(row=r, column=1).value == values[0]
        for col, value in ((3, values[2]), (4, values[3])):
            if value != "—":
                sheet.cell(row=r, column=col).value = float(value) if value.replace(".", "").isdigit() else value
    filled = io.BytesIO()
    book.save(filled)
    await harness.feed(send_file(harness, STAFF_A, filled.getvalue(), "成绩.xlsx"))
    assert "第一轮成绩已保存：录入 5 项（其中缺考 1 项）" in harness.last_text()
    await harness.feed(u.command(STAFF_A, "scores", str(bid)))
    await harness.feed(send_file(harness, STAFF_A, sheet_csv(good_rows(batch)), "again.csv", "text/csv"))
    assert "第二轮必须由另一位工作人员录入" in harness.last_text()

    await harness.feed(u.command(STAFF_B, "scores", str(bid)))
    await harness.feed(send_file(harness, STAFF_B, sheet_csv(good_rows(batch, theory_b="85")), "r2.csv", "text/csv"))
    diff = harness.last_text()
    assert "1 处不一致" in diff and f"准考证 {batch.numbers[1]} 理论知识：第一轮 58，第二轮 85" in diff
    assert not [d for d in callbacks(harness) if d.startswith("sc:ok")]
    await harness.feed(u.callback(STAFF_B, f"sc:ok:{bid}"))
    assert "没有待确认的成绩" in harness.last_text() and await rows(app, Score) == []

    await harness.feed(send_file(harness, STAFF_B, sheet_csv(good_rows(batch)), "r2-fixed.csv", "text/csv"))
    assert "完全一致" in harness.last_text() and f"sc:ok:{bid}" in callbacks(harness)
    await harness.feed(u.callback(STAFF_B, f"sc:ok:{bid}"))
    assert "成绩已确认：5 项" in harness.last_text() and len(await rows(app, Score)) == 5

    await harness.feed(u.command(CANDIDATES[0], "publish", str(bid)))
    assert "已通知" not in harness.last_text() and not await rows(app, Notification)
    await harness.feed(u.command(STAFF_A, "publish", str(bid)))
    assert "已通知 3 名考生，其中合格 1 人" in harness.last_text() and refreshed == [bid]
    mine = [n.payload["text"] for n in await rows(app, Notification, Notification.chat_id == CANDIDATES[0])]
    assert len(mine) == 1 and "85.5" in mine[0] and "58" not in mine[0]
    await harness.feed(u.command(STAFF_A, "publish", str(bid)))
    assert "无需再次公示" in harness.last_text() and refreshed == [bid]

    await harness.feed(u.command(STAFF_A, "issue", f"{bid} {TODAY}"))
    assert "发证日期须在此之后" in harness.last_text()
    async with app.sessions() as session:  # the publicity has run its course
        stored = await session.get(ExamBatch, bid)
        assert stored is not None
        stored.publicity_start = TODAY - timedelta(days=12)
        session.add(stored)
        await session.commit()
    await harness.feed(u.command(STAFF_A, "issue", f"{bid} 2026-13-01"))
    assert "用法：/issue" in harness.last_text()
    await harness.feed(u.command(STAFF_A, "issue", f"{bid} {TODAY}"))
    number = f"{K2_PREFIX}{TODAY.year % 100:02d}4000001"
    assert "将为 1 名合格考生登记证书" in harness.last_text() and number in harness.last_text()
    assert await rows(app, Certificate) == [], "nothing is registered before the confirmation"
    await harness.feed(u.callback(CANDIDATES[0], f"sc:iss:{bid}:{TODAY}"))
    assert await rows(app, Certificate) == [], "a candidate cannot press the staff button"
    await harness.feed(u.callback(STAFF_A, f"sc:iss:{bid}:{TODAY}"))
    assert f"已登记证书 1 张：{number}" in harness.last_text() and refreshed == [bid, bid]
    await harness.feed(u.callback(STAFF_A, f"sc:iss:{bid}:{TODAY}"))
    assert "已登记证书 0 张" in harness.last_text() and len(await rows(app, Certificate)) == 1
    notice = [n.payload["text"] for n in await rows(app, Notification, Notification.chat_id == CANDIDATES[0])]
    assert any(number in t and "/cert" in t for t in notice)
    actions = [a.action for a in await rows(app, AuditLog, AuditLog.entity == "exam_batch")]
    assert actions.count("enter_scores") == 3 and "confirm_scores" in actions and "publish_scores" in actions
    assert actions.count("issue_certificates") == 2

    harness.clear()
    await harness.feed(u.command(CANDIDATES[2], "cert", f"{number} 张三"))
    assert "证书有效" in harness.last_text() and number in harness.last_text()


async def test_candidates_get_no_template_and_cannot_upload_scores(harness: Harness, refreshed: list[int]) -> None:
    batch = await score_batch(harness.app)
    await harness.feed(u.command(CANDIDATES[0], "scores", str(batch.batch_id)))
    assert not harness.api.calls_of("sendDocument") and "模板" not in harness.last_text()
    await harness.feed(send_file(harness, CANDIDATES[0], sheet_csv(good_rows(batch)), "s.csv", "text/csv"))
    assert not harness.api.calls_of("getFile") and await rows(harness.app, Score) == []
    await harness.feed(u.command(STAFF_A, "scores", "abc"))
    assert "用法：/scores 批次号" in harness.last_text()
    await harness.feed(u.command(STAFF_A, "scores", "999"))
    assert "没有编号为 999 的批次" in harness.last_text()
    await harness.feed(u.command(STAFF_B, "scores", str(batch.batch_id)))
    bad = good_rows(batch)
    bad[0][2] = "101"
    await harness.feed(send_file(harness, STAFF_B, sheet_csv(bad), "bad.csv", "text/csv"))
    assert "第 2 行：准考证" in harness.last_text() and "不是 0–100 的分数" in harness.last_text()
