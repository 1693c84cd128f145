"""Staff publish, list and close announcements on every Telegram transport; candidates then see them in /apply."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import App
from storage.models import Announcement, AuditLog
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.catalog import filed_electrician

CANDIDATE = 620001
TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
TITLE = "电工职业技能等级认定报名公告（第一批）"


async def click(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str) -> None:
    await harness.feed(u.message(ADMIN_ID, text))


async def fill_until_title(harness: Harness, occupation_id: int) -> None:
    await harness.feed(u.command(ADMIN_ID, "announce"))
    await click(harness, f"fm:c:occupation:{occupation_id}")


async def fill_until_summary(harness: Harness, occupation_id: int) -> None:
    await fill_until_title(harness, occupation_id)
    await say(harness, TITLE)
    await click(harness, "fm:c:offer_5:yes")
    await click(harness, "fm:c:offer_4:yes")
    await click(harness, "fm:c:offer_3:no")
    await say(harness, "1")
    await click(harness, "fm:c:students_5:yes")
    await click(harness, "fm:c:education_5:any")
    await click(harness, "fm:c:subjects_5:theory+practical")
    await say(harness, "累计从事本职业工作1年以上；或本校全日制在籍学生。")
    await say(harness, "4")
    await click(harness, "fm:c:prior_4:5")
    await say(harness, "6")
    await click(harness, "fm:c:students_4:yes")
    await click(harness, "fm:c:education_4:any")
    await click(harness, "fm:c:subjects_4:theory+practical")
    await say(harness, "取得五级证书后工作4年以上；或累计工作6年以上；或本校全日制在籍学生。")
    await say(harness, TODAY.isoformat())
    await say(harness, (TODAY + timedelta(days=14)).isoformat())
    await say(harness, "实训楼A座二楼 电工实训室\n教学楼三楼 理论考场")
    await say(harness, "200")


async def test_staff_publish_an_announcement_and_candidates_can_choose_it(harness: Harness) -> None:
    occupation_id = await filed_occupation_id(harness.app)
    await fill_until_summary(harness, occupation_id)
    summary = harness.last_text()
    assert TITLE in summary and "四级/中级工 前置证书：须持五级/初级工证书" in summary and "200 元" in summary
    await click(harness, "fm:ok")
    assert "公告已发布" in harness.last_text() and "五级/初级工、四级/中级工" in harness.last_text()
    async with harness.app.sessions() as session:
        stored = (await session.exec(select(Announcement))).one()
        audited = (await session.exec(select(AuditLog).where(AuditLog.entity == "announcement"))).one()
    assert stored.status == "open" and stored.levels == [5, 4] and stored.fee_yuan == 200 and stored.registration_start == TODAY
    assert stored.conditions["4"]["prior_level"] == 5 and stored.conditions["4"]["alternative_years"] == 6
    assert stored.sites == ["实训楼A座二楼 电工实训室", "教学楼三楼 理论考场"]
    assert audited.actor_id == ADMIN_ID and audited.action == "create" and audited.after and audited.after["title"] == TITLE

    await harness.feed(u.command(CANDIDATE, "apply"))
    assert f"fm:c:announcement:{stored.id}" in [b.get("callback_data") for b in harness.buttons()]
    assert TITLE in [b.get("text") for b in harness.buttons()]


async def test_a_candidate_cannot_use_the_staff_commands(harness: Harness) -> None:
    occupation_id = await filed_occupation_id(harness.app)
    for command in ("announce", "announcements", "close_announcement 1"):
        await harness.feed(u.message(CANDIDATE, f"/{command}"))
        assert "无法识别的命令" in harness.last_text()
    await harness.feed(u.callback(CANDIDATE, f"fm:c:occupation:{occupation_id}"))
    async with harness.app.sessions() as session:
        assert (await session.exec(select(Announcement))).first() is None


async def test_advertising_words_are_refused_and_explained(harness: Harness) -> None:
    occupation_id = await filed_occupation_id(harness.app)
    await fill_until_title(harness, occupation_id)
    await say(harness, "电工证包过！国家认可")
    refusal = harness.texts()[-2]
    assert "包过、国家" in refusal and "（十九）" in refusal
    assert "公告标题" in harness.last_text()
    await say(harness, TITLE)
    assert "五级/初级工" in harness.last_text()


async def test_only_filed_levels_can_be_chosen(harness: Harness) -> None:
    occupation_id = await filed_occupation_id(harness.app)
    await fill_until_title(harness, occupation_id)
    await say(harness, TITLE)
    offered = []
    for _ in range(3):
        offered += [b["callback_data"] for b in harness.buttons() if b.get("callback_data", "").endswith(":yes")]
        await click(harness, next(b["callback_data"] for b in harness.buttons() if b.get("callback_data", "").endswith(":yes")))
    assert offered == ["fm:c:offer_5:yes", "fm:c:offer_4:yes", "fm:c:offer_3:yes"]
    assert "五级/初级工：申报需在本职业" in harness.last_text(), "levels 2 and 1 are not filed, so they are never offered"
    await harness.feed(u.callback(ADMIN_ID, "fm:c:offer_2:yes"))
    assert "按钮已失效" in harness.texts()[-2]


async def test_staff_list_and_close_announcements(harness: Harness) -> None:
    occupation_id = await filed_occupation_id(harness.app)
    await fill_until_summary(harness, occupation_id)
    await click(harness, "fm:ok")
    async with harness.app.sessions() as session:
        announcement_id = (await session.exec(select(Announcement.id))).one()
    await harness.feed(u.command(ADMIN_ID, "announcements"))
    listing = harness.last_text()
    assert f"#{announcement_id} {TITLE}" in listing and TODAY.isoformat() in listing and "五级/初级工、四级/中级工" in listing
    await harness.feed(u.command(ADMIN_ID, "close_announcement"))
    assert "/close_announcement 公告编号" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "close_announcement", "999"))
    assert "没有编号为 999" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "close_announcement", str(announcement_id)))
    assert "已关闭公告" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "close_announcement", str(announcement_id)))
    assert "已不在报名中" in harness.last_text()
    async with harness.app.sessions() as session:
        stored = (await session.exec(select(Announcement))).one()
        closed = (await session.exec(select(AuditLog).where(AuditLog.action == "close"))).one()
    assert stored.status == "closed" and closed.actor_id == ADMIN_ID and closed.after == {"status": "closed"}
    await harness.feed(u.command(ADMIN_ID, "announcements"))
    assert "没有正在报名的公告" in harness.last_text()
    await harness.feed(u.command(CANDIDATE, "apply"))
    assert "没有正在报名" in harness.last_text()


async def filed_occupation_id(app: App) -> int:
    """The id of the filed electrician occupation (tests.support.catalog)."""
    occupation = await filed_electrician(app)
    assert occupation.id is not None
    return occupation.id
