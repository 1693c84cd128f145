"""Staff review queue, the candidate's /my, fix-and-resubmit and the roster export, on every Telegram transport."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlmodel import select

from bot.services.export import COLUMNS
from storage.models import Application, PledgeAcceptance
from storage.repositories import audit
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import ID_NUMBER, MOBILE, add_user, insert_application, reload
from tests.support.catalog import open_announcement
from tests.support.fake_bot_api import ApiCall

CANDIDATE = 620001
STAFF = 620100
TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()


def messages_to(harness: Harness, chat_id: int) -> list[str]:
    """Texts sent to one chat."""
    return [str(c.params["text"]) for c in harness.api.calls_of("sendMessage") if int(c.params["chat_id"]) == chat_id]


def button(harness: Harness, prefix: str) -> str:
    """Callback data of the first button of the last inline keyboard starting with `prefix`."""
    for b in harness.buttons():
        if str(b.get("callback_data", "")).startswith(prefix):
            return str(b["callback_data"])
    raise AssertionError(f"no button {prefix} in {harness.buttons()}")


def uploaded(call: ApiCall, field: str) -> bytes:
    """Bytes of an uploaded file: sent as the field itself (PTB) or as `attach://name` (aiogram)."""
    ref = str(call.params.get(field, ""))
    return call.files[ref.removeprefix("attach://")] if ref.startswith("attach://") else call.files[field]


async def setup(harness: Harness, candidate_locale: str | None = None, **fields: object) -> Application:
    announcement = await open_announcement(harness.app, TODAY)
    await add_user(harness.app, CANDIDATE, locale=candidate_locale)
    await add_user(harness.app, STAFF, role="staff")
    return await insert_application(harness.app, announcement, CANDIDATE, **fields)


async def test_review_card_is_masked_and_approval_notifies_the_candidate_in_english(harness: Harness) -> None:
    application = await setup(harness, candidate_locale="en")
    await harness.feed(u.command(STAFF, "review"))
    card = harness.last_text()
    assert "SQ2026000001" in card and "电工" in card and "四级" in card and "张三" in card
    assert ID_NUMBER not in card and ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:] in card
    assert MOBILE not in card and "138****8000" in card
    assert "南昌电力维修公司" in card and "维修电工" in card and "5 年" in card and "理论 + 实操" in card
    assert "证明材料 2 份" in card
    datas = [b["callback_data"] for b in harness.buttons()]
    assert f"rv:ok:{application.id}" in datas and f"rv:docs:{application.id}" in datas
    assert all(len(d.encode()) <= 64 for d in datas)
    await harness.feed(u.callback(STAFF, f"rv:ok:{application.id}"))
    assert "已通过申报 SQ2026000001" in messages_to(harness, STAFF)[-1]
    notice = messages_to(harness, CANDIDATE)[-1]
    assert "has been approved" in notice and "SQ2026000001" in notice
    stored = await reload(harness.app, application.id or 0)
    assert stored.status == "approved" and stored.reviewed_by == STAFF and stored.reviewed_at is not None
    async with harness.app.sessions() as session:
        entries = await audit.for_entity(session, "application", application.id or 0)
    assert [e.action for e in entries] == ["review"] and entries[0].after["status"] == "approved"  # type: ignore[index]
    assert ID_NUMBER not in str(entries[0].after)


async def test_reject_with_template_and_free_text(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.command(STAFF, "review"))
    await harness.feed(u.callback(STAFF, f"rv:no:{application.id}"))
    assert "请选择原因" in harness.last_text()
    assert button(harness, f"rv:r:no:{application.id}:photo")
    await harness.feed(u.callback(STAFF, f"rv:r:no:{application.id}:photo"))
    assert "不补充说明" in str(harness.buttons())
    await harness.feed(u.message(STAFF, "请重新拍摄白底证件照"))
    assert "已驳回申报 SQ2026000001" in messages_to(harness, STAFF)[-1]
    notice = messages_to(harness, CANDIDATE)[-1]
    assert "未通过审核" in notice and "白底标准二寸" in notice and "请重新拍摄白底证件照" in notice
    assert button(harness, "ap:fix:") == f"ap:fix:{application.id}"
    stored = await reload(harness.app, application.id or 0)
    assert stored.status == "rejected" and "请重新拍摄白底证件照" in (stored.review_note or "")


async def test_other_reason_requires_text_and_cancel_keeps_it_waiting(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.callback(STAFF, f"rv:r:no:{application.id}:other"))
    assert "rv:skip" not in str(harness.buttons())
    await harness.feed(u.command(STAFF, "cancel"))
    assert "仍为待审核" in harness.last_text()
    await harness.feed(u.message(STAFF, "迟到的说明"))
    assert (await reload(harness.app, application.id or 0)).status == "submitted"


async def test_supplement_then_my_then_fix_and_resubmit(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.callback(STAFF, f"rv:sup:{application.id}"))
    await harness.feed(u.callback(STAFF, f"rv:r:sup:{application.id}:documents"))
    await harness.feed(u.callback(STAFF, f"rv:skip:{application.id}"))
    assert "已要求申报 SQ2026000001 补充材料" in messages_to(harness, STAFF)[-1]
    assert "需要补充材料" in messages_to(harness, CANDIDATE)[-1]

    await harness.feed(u.command(CANDIDATE, "my"))
    listing = harness.last_text()
    assert "SQ2026000001" in listing and "待补充材料" in listing and "缺少证明材料" in listing
    await harness.feed(u.callback(CANDIDATE, button(harness, "ap:fix:")))
    assert "正在修改申报 SQ2026000001" in harness.texts()[-2]
    summary = harness.last_text()
    assert "南昌电力维修公司" in summary and ID_NUMBER not in summary and "138****8000" in summary
    await harness.feed(u.callback(CANDIDATE, "fm:e:work_unit"))
    await harness.feed(u.message(CANDIDATE, "南昌供电公司"))
    await harness.feed(u.callback(CANDIDATE, "fm:ok"))
    assert "个人承诺" in harness.last_text()
    await harness.feed(u.callback(CANDIDATE, "fm:c:pledge:accept"))
    assert "申请编号：SQ2026000001" in harness.last_text()
    async with harness.app.sessions() as session:
        rows = list((await session.exec(select(Application))).all())
        pledges = list((await session.exec(select(PledgeAcceptance))).all())
        actions = [e.action for e in await audit.for_entity(session, "application", application.id or 0)]
    assert len(rows) == 1 and rows[0].status == "submitted" and rows[0].work_unit == "南昌供电公司"
    assert harness.app.cipher.decrypt(rows[0].id_number_enc) == ID_NUMBER and rows[0].number == "SQ2026000001"
    assert [p.application_id for p in pledges] == [application.id]
    assert actions == ["review", "resubmit", "submit"]
    await harness.feed(u.command(STAFF, "review"))
    assert "上次审核意见" in harness.last_text()


async def test_apply_reopens_an_application_awaiting_supplements(harness: Harness) -> None:
    await setup(harness, status="needs_supplement", review_note="缺少工作年限证明")
    await harness.feed(u.command(CANDIDATE, "apply"))
    assert "正在修改申报 SQ2026000001" in harness.texts()[-2] and "缺少工作年限证明" in harness.texts()[-2]
    await harness.feed(u.command(CANDIDATE, "cancel"))
    await harness.feed(u.command(CANDIDATE, "apply"))
    assert "恢复" in harness.texts()[-2] and "南昌电力维修公司" in harness.last_text()


async def test_candidate_cannot_review_or_export(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.command(CANDIDATE, "review"))
    assert "无法识别的命令 /review" in harness.last_text()
    await harness.feed(u.command(CANDIDATE, "export_applications", "1"))
    assert "无法识别的命令 /export_applications" in harness.last_text()
    await harness.feed(u.callback(CANDIDATE, f"rv:ok:{application.id}"))
    assert "按钮已失效" in harness.last_text()
    assert not harness.api.calls_of("sendDocument")
    assert (await reload(harness.app, application.id or 0)).status == "submitted"


async def test_second_staff_decision_is_refused(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.command(STAFF, "review"))
    await harness.feed(u.command(ADMIN_ID, "review"))
    await harness.feed(u.callback(STAFF, f"rv:ok:{application.id}"))
    await harness.feed(u.callback(ADMIN_ID, f"rv:no:{application.id}"))
    assert "已被处理" in messages_to(harness, ADMIN_ID)[-1] and "已通过" in messages_to(harness, ADMIN_ID)[-1]
    assert (await reload(harness.app, application.id or 0)).status == "approved"


async def test_two_simultaneous_decisions_one_wins(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.callback(ADMIN_ID, f"rv:r:no:{application.id}:duplicate"))
    await asyncio.gather(
        harness.feed(u.callback(STAFF, f"rv:ok:{application.id}")),
        harness.feed(u.callback(ADMIN_ID, f"rv:skip:{application.id}")),
    )
    stored = await reload(harness.app, application.id or 0)
    assert stored.status == "approved" or (stored.status == "rejected" and stored.reviewed_by == ADMIN_ID)
    assert len(messages_to(harness, CANDIDATE)) == 1, "the candidate hears one decision"
    loser = ADMIN_ID if stored.status == "approved" else STAFF
    assert "已被处理" in messages_to(harness, loser)[-1]


async def test_decision_found_stale_when_applied_is_refused(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.callback(ADMIN_ID, f"rv:r:sup:{application.id}:photo"))  # admin waits at the note step
    await harness.feed(u.callback(STAFF, f"rv:ok:{application.id}"))
    notices = len(messages_to(harness, CANDIDATE))
    await harness.feed(u.message(ADMIN_ID, "请换一张照片"))
    assert "已被处理" in messages_to(harness, ADMIN_ID)[-1]
    assert len(messages_to(harness, CANDIDATE)) == notices, "no second notice to the candidate"
    stored = await reload(harness.app, application.id or 0)
    assert stored.status == "approved" and stored.reviewed_by == STAFF


async def test_photo_and_documents_are_sent_by_file_id(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.callback(STAFF, f"rv:photo:{application.id}"))
    assert harness.api.calls_of("sendPhoto")[-1].params["photo"] == "AgAC-stored-photo"
    await harness.feed(u.callback(STAFF, f"rv:docs:{application.id}"))
    assert harness.api.calls_of("sendDocument")[-1].params["document"] == "BQAC-stored-doc"
    assert harness.api.calls_of("sendPhoto")[-1].params["photo"] == "AgAC-stored-scan"
    assert "2/2" in str(harness.api.calls_of("sendPhoto")[-1].params["caption"])


async def test_skip_goes_to_the_next_application_and_an_empty_queue_says_so(harness: Harness) -> None:
    first = await setup(harness, minutes_ago=90)
    announcement_id = first.announcement_id
    async with harness.app.sessions() as session:
        from storage.models import Announcement

        announcement = await session.get(Announcement, announcement_id)
    assert announcement is not None
    second = await insert_application(harness.app, announcement, CANDIDATE + 1, number="SQ2026000002", minutes_ago=30)
    await harness.feed(u.command(STAFF, "review"))
    assert "SQ2026000001" in harness.last_text() and "待审核 2 份" in harness.last_text()
    await harness.feed(u.callback(STAFF, f"rv:next:{first.id}"))
    assert "SQ2026000002" in harness.last_text()
    await harness.feed(u.callback(STAFF, f"rv:ok:{second.id}"))
    await harness.feed(u.callback(STAFF, f"rv:ok:{first.id}"))
    await harness.feed(u.callback(STAFF, "rv:next"))
    assert "没有待审核" in harness.last_text()


async def test_export_sends_the_full_roster_as_xlsx(harness: Harness) -> None:
    application = await setup(harness)
    await harness.feed(u.command(STAFF, "export_applications", str(application.announcement_id)))
    call = harness.api.calls_of("sendDocument")[-1]
    assert "完整的证件号码" in str(call.params["caption"])
    book = load_workbook(io.BytesIO(uploaded(call, "document")))
    sheet = book.active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [harness.app.i18n.render("zh_CN", f"export.col_{c}") for c in COLUMNS]
    assert rows[0][:3] == ["序号", "申请编号", "姓名"] and rows[0][7] == "证件号码" and rows[0][-1] == "提交时间"
    row = dict(zip(rows[0], rows[1]))
    assert row["申请编号"] == "SQ2026000001" and row["证件号码"] == ID_NUMBER and row["手机号码"] == MOBILE
    assert row["性别"] == "男" and row["证件类型"] == "居民身份证" and row["申报等级"] == "四级/中级工"
    assert "S000036010027195000123" in str(row["现持有证书（职业/等级/编号/发证日期/发证机构）"])
    assert row["状态"] == "待审核" and row["工作年限"] == 5
    assert ID_NUMBER not in " ".join(harness.texts())
    async with harness.app.sessions() as session:
        entries = await audit.for_entity(session, "announcement", application.announcement_id)
    assert entries[-1].action == "export" and entries[-1].actor_id == STAFF and entries[-1].after["rows"] == 1  # type: ignore[index]


async def test_export_usage_and_unknown_announcement(harness: Harness) -> None:
    await add_user(harness.app, STAFF, role="staff")
    await harness.feed(u.command(STAFF, "export_applications"))
    assert "用法" in harness.last_text()
    await harness.feed(u.command(STAFF, "export_applications", "999"))
    assert "999" in harness.last_text()
    assert not harness.api.calls_of("sendDocument")


async def test_my_without_applications(harness: Harness) -> None:
    await harness.feed(u.command(CANDIDATE, "my"))
    assert "还没有提交过申报" in harness.last_text()


async def test_someone_elses_application_cannot_be_opened_or_fixed(harness: Harness) -> None:
    application = await setup(harness, status="needs_supplement")
    intruder = CANDIDATE + 1
    await harness.feed(u.command(intruder, "my"))
    assert "SQ2026000001" not in harness.last_text()
    await harness.feed(u.callback(intruder, f"ap:fix:{application.id}"))
    assert "SQ2026000001" not in " ".join(harness.texts()[-2:])
    await harness.feed(u.command(intruder, "apply"))
    assert "张三" not in harness.last_text() and "SQ2026000001" not in harness.last_text()
    stored = await reload(harness.app, application.id or 0)
    assert stored.status == "needs_supplement" and stored.user_id == CANDIDATE
