"""A proctor reports a violation by ticket number with a photo, another proctor signs, staff (the room head)
approves; the candidate is told the facts, reason and basis, appeals, and staff overturn the decision (the ban goes).
A report can also take its candidate from the scanned ticket QR.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator; the batch is
planned, staffed and its tickets issued through the dispatcher too, then its first sitting is moved to now.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import App
from bot.tickets import tokens
from storage.models import AuditLog, Ban, ExamBatch, ExamRoom, ExamSession, Incident, Notification, Ticket
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import ID_NUMBER, add_user, insert_application
from tests.support.catalog import open_announcement

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(timezone.utc).astimezone(TZ).date()
EXAM_DAY = TODAY + timedelta(days=10)
CHIEF, DEPUTY, OUTSIDER = 660001, 660002, 660003
CANDIDATE = 661001


async def click(harness: Harness, data: str, user: int) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str, user: int) -> None:
    await harness.feed(u.message(user, text))


async def rows(app: App, model: type, *where: object) -> list[Any]:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def notices_for(app: App, chat_id: int) -> list[dict[str, Any]]:
    return [n.payload for n in await rows(app, Notification, Notification.chat_id == chat_id)]


def buttons_of(payload: dict[str, Any]) -> list[str]:
    return [b.get("callback_data", "") for row in (payload.get("markup") or {}).get("rows", []) for b in row]


async def press_from_notice(harness: Harness, user: int, heading: str, prefix: str) -> str:
    """Press the button starting with `prefix` of the newest notice to `user` containing `heading`."""
    notices = [n for n in await notices_for(harness.app, user) if heading in n["text"]]
    assert notices, f"no notice with {heading!r} for {user}"
    data = next((d for d in buttons_of(notices[-1]) if d.startswith(prefix)), None)
    assert data is not None, f"no {prefix} button in {buttons_of(notices[-1])}"
    await harness.feed(u.callback(user, data))
    return data


async def staffed_batch_running_now(harness: Harness) -> Ticket:
    """Plan a batch, make CHIEF and DEPUTY the proctors of room 301, issue tickets, then move the theory sitting to now."""
    app = harness.app
    announcement = await open_announcement(app, TODAY)
    await add_user(app, CHIEF, "proctor")
    await add_user(app, DEPUTY, "proctor")
    await add_user(app, OUTSIDER, "proctor")
    await insert_application(app, announcement, CANDIDATE, status="approved")
    await harness.feed(u.command(ADMIN_ID, "batch"))
    await click(harness, f"fm:c:announcement:{announcement.id}", ADMIN_ID)
    await click(harness, "fm:c:level:4", ADMIN_ID)
    await say(harness, "2026年冬季电工四级认定", ADMIN_ID)
    await say(harness, f"理论 {EXAM_DAY} 09:00-10:30 南昌技师学院1号楼\n实操 {EXAM_DAY} 14:00-16:00 南昌技师学院实训楼", ADMIN_ID)
    await say(harness, "理论 301 单人单桌 30\n实操 实训A 工位 5", ADMIN_ID)
    await click(harness, "fm:ok", ADMIN_ID)
    (batch,) = await rows(app, ExamBatch)
    (room,) = await rows(app, ExamRoom, ExamRoom.name == "301")
    await harness.feed(u.callback(ADMIN_ID, f"bt:show:{batch.id}"))
    await click(harness, f"bt:room:{room.id}", ADMIN_ID)
    await click(harness, f"bt:chief:{room.id}:{CHIEF}", ADMIN_ID)
    await click(harness, f"bt:deputy:{room.id}:{DEPUTY}", ADMIN_ID)
    await harness.feed(u.callback(ADMIN_ID, f"bt:issue:{batch.id}"))
    await click(harness, f"bt:issue!:{batch.id}", ADMIN_ID)
    (ticket,) = await rows(app, Ticket)
    assert ticket.issued_at is not None
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        theory = (await session.exec(select(ExamSession).where(ExamSession.subject == "theory"))).one()
        theory.starts_at, theory.ends_at = now - timedelta(minutes=20), now + timedelta(minutes=70)
        session.add(theory)
        await session.commit()
    harness.clear()
    return ticket


async def test_report_sign_approve_notify_appeal_overturn(harness: Harness) -> None:
    app = harness.app
    ticket = await staffed_batch_running_now(harness)

    await harness.feed(u.command(CANDIDATE, "incident"))
    assert "无法识别的命令 /incident" in harness.last_text(), "the role filter keeps candidates out"
    await harness.feed(u.command(OUTSIDER, "incident"))
    await say(harness, ticket.number, OUTSIDER)
    assert "没有被安排在批次" in harness.texts()[-2], "a proctor of no room of this batch"

    await harness.feed(u.command(CHIEF, "incident"))
    assert "准考证号" in harness.last_text()
    await say(harness, "准考证丢了", CHIEF)
    assert "不是准考证号" in harness.texts()[-2] and "准考证号" in harness.last_text(), "explained, still asking"
    spaced = " ".join(ticket.number[i:i + 4] for i in range(0, len(ticket.number), 4))
    await say(harness, spaced.translate(str.maketrans("0123456789", "０１２３４５６７８９")), CHIEF)
    found = harness.texts()[-2]
    assert "张*" in found and "301" in found and ticket.number in found and "张三" not in found, "whom the report is about"
    await click(harness, "fm:c:rule:V2", CHIEF)
    assert "第六条" in harness.last_text()
    await click(harness, "fm:c:item_V2:V2.device", CHIEF)
    await say(harness, "开考后 20 分钟发现其使用手机拍摄试题，已收缴手机。", CHIEF)
    await harness.feed(u.photo(CHIEF, file_id="AgAC-evidence-1"))
    assert "已收到第 1 份" in harness.last_text()
    await click(harness, "fm:done", CHIEF)
    summary = harness.last_text()
    assert "在评价过程中使用规定以外的带拍照" in summary and "第六条第（一）项" in summary and "当年不得参加评价" in summary
    assert "1 张" in summary
    await click(harness, "fm:ok", CHIEF)
    (incident,) = await rows(app, Incident)
    assert incident.number in harness.last_text() and incident.status == "reported"
    assert (incident.code, incident.sanction, incident.evidence) == ("V2.device", "cancel_year", ["AgAC-evidence-1"])

    harness.clear()
    await press_from_notice(harness, DEPUTY, "请复核签字", "in:sign:")
    assert "已签字" in harness.texts()[0]
    assert (await rows(app, Incident))[0].status == "signed"

    harness.clear()
    await press_from_notice(harness, ADMIN_ID, "请考场负责人确认", "in:pics:")
    (photo,) = harness.api.calls_of("sendPhoto")
    assert photo.params["photo"] == "AgAC-evidence-1"
    await press_from_notice(harness, ADMIN_ID, "请考场负责人确认", "in:ok:")
    assert any("已确认" in t and "生效" in t for t in harness.texts())
    (ban,) = await rows(app, Ban)
    effective_day = datetime.now(timezone.utc).astimezone(TZ).date()
    assert (ban.kind, ban.until.isoformat(), ban.id_number_hash) == ("V2", f"{effective_day.year}-12-31", app.cipher.lookup_hash(ID_NUMBER))

    (notice,) = [n for n in await notices_for(app, CANDIDATE) if "处理决定告知" in n["text"]]
    text = notice["text"]
    for part in ("事实", "理由", "依据", "第六条第（一）项", "在评价过程中使用规定以外的", "301", "当年不得参加评价", incident.number):
        assert part in text, part
    assert "开考后 20 分钟" not in text and ID_NUMBER not in text

    harness.clear()
    await press_from_notice(harness, CANDIDATE, "处理决定告知", "in:appeal:")
    assert "陈述和申辩" in harness.last_text()
    await say(harness, "我当时拿出手机是为了关机，并未拍摄试题。", CANDIDATE)
    await click(harness, "fm:ok", CANDIDATE)
    assert "已提交" in harness.last_text()
    assert (await rows(app, Incident))[0].appeal_status == "pending"

    harness.clear()
    await press_from_notice(harness, ADMIN_ID, "申辩待复核", "in:ov:")
    await say(harness, "监控录像显示其未拍摄试题。", ADMIN_ID)
    await click(harness, "fm:ok", ADMIN_ID)
    assert "撤销处理决定" in harness.last_text()
    final = (await rows(app, Incident))[0]
    assert (final.status, final.appeal_status, final.appeal_note) == ("overturned", "overturned", "监控录像显示其未拍摄试题。")
    assert not await rows(app, Ban)
    assert any("撤销原处理决定" in n["text"] for n in await notices_for(app, CANDIDATE))
    actions = [a.action for a in await rows(app, AuditLog) if a.entity in ("incident", "ban")]
    assert actions == ["report_incident", "sign_incident", "create_ban", "approve_incident", "appeal_incident", "delete_ban",
                       "overturn_incident"]

    await harness.feed(u.command(ADMIN_ID, "incidents"))
    assert "目前没有待签字" in harness.last_text()
    await harness.feed(u.callback(DEPUTY, f"in:ok:{final.id}:2"))
    assert "当前状态为“已撤销（申辩成立）”，不能进行此操作" in harness.last_text(), "a stale approval button does nothing"
    assert (await rows(app, Incident))[0].status == "overturned" and not await rows(app, Ban)


async def test_a_scanned_ticket_answers_the_waiting_report_and_otherwise_is_a_plain_scan(harness: Harness) -> None:
    app = harness.app
    ticket = await staffed_batch_running_now(harness)
    token = tokens.make(app.cipher, ticket.id or 0, ticket.token_version)

    await harness.feed(u.command(CHIEF, "start", f"tk_{token}"))
    assert harness.api.calls_of("sendPhoto"), "no report waiting: the identity-check scan"

    harness.clear()
    await harness.feed(u.command(DEPUTY, "incident"))
    await harness.feed(u.command(DEPUTY, "start", "tk_" + token[:-2] + ("AA" if token[-2:] != "AA" else "BB")))
    assert "不是有效的准考证" in harness.texts()[-2] and not harness.api.calls_of("sendPhoto")
    await harness.feed(u.command(DEPUTY, "start", f"tk_{token}"))
    assert "张*" in harness.texts()[-2] and "请选择违纪违规行为的类别" in harness.last_text()
    assert not harness.api.calls_of("sendPhoto"), "the scan went to the report, not to the identity check"
    await click(harness, "fm:c:rule:V1", DEPUTY)
    await click(harness, "fm:c:item_V1:V1.seat", DEPUTY)
    await say(harness, "多次擅自离开座位，经提醒拒不改正。", DEPUTY)
    await click(harness, "fm:done", DEPUTY)
    await click(harness, "fm:ok", DEPUTY)
    (incident,) = await rows(app, Incident)
    assert (incident.ticket_id, incident.code, incident.sanction, incident.reported_by) == (ticket.id, "V1.seat", "cancel_subject", DEPUTY)
    assert incident.evidence == []

    await harness.feed(u.command(ADMIN_ID, "incidents"))
    listing = harness.texts()
    assert any(incident.number in t and "待复核签字" in t for t in listing)
    assert f"in:sign:{incident.id}:1" in [b.get("callback_data") for b in harness.buttons()]
