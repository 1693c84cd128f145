"""The application form end to end on every Telegram transport."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.rules.id_numbers import make_resident_id
from storage.models import Application, PledgeAcceptance
from tests.conftest import Harness
from tests.support import updates as u
from tests.support.catalog import open_announcement
from tests.support.images import BLUE, id_photo

USER = 610001
TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
ID_NUMBER = make_resident_id("360102", TODAY.replace(year=TODAY.year - 30, day=1), 123)
PHONE = "13800138000"


def _press(harness: Harness, prefix: str) -> dict:
    for button in harness.buttons():
        if button.get("callback_data", "").startswith(prefix):
            return button
    raise AssertionError(f"no button {prefix} in {harness.buttons()}")


async def _click(harness: Harness, prefix: str) -> None:
    await harness.feed(u.callback(USER, _press(harness, prefix)["callback_data"]))


async def fill_until_summary(harness: Harness, announcement_id: int, id_text: str = ID_NUMBER) -> None:
    await harness.feed(u.command(USER, "apply"))
    await _click(harness, f"fm:c:announcement:{announcement_id}")
    await _click(harness, "fm:c:level:4")
    await harness.feed(u.message(USER, "张三"))
    await _click(harness, "fm:c:id_type:201")
    await harness.feed(u.message(USER, id_text))
    await harness.feed(u.contact(USER, PHONE))
    await _click(harness, "fm:c:category:employee")
    await harness.feed(u.message(USER, "南昌电力维修公司"))
    await _click(harness, "fm:c:education:senior_high")
    await harness.feed(u.message(USER, "无"))
    await _click(harness, "fm:c:held_cert:skill")
    await _click(harness, "fm:c:held_level:5")
    await harness.feed(u.message(USER, "电工"))
    await harness.feed(u.message(USER, "S000036010027195000123"))
    await harness.feed(u.message(USER, "2019-06-30"))
    await harness.feed(u.message(USER, "南昌市职业技能鉴定中心"))
    await harness.feed(u.message(USER, "维修电工"))
    await harness.feed(u.message(USER, "５"))
    await _click(harness, "fm:c:subjects:theory+practical")
    await harness.feed(u.photo(USER))
    await harness.feed(u.document(USER))
    await _click(harness, "fm:done")


async def test_full_application_with_pledge_and_receipt(harness: Harness) -> None:
    announcement = await open_announcement(harness.app, TODAY)
    await fill_until_summary(harness, announcement.id or 0)
    summary = harness.last_text()
    assert "张三" in summary and ID_NUMBER not in summary and ID_NUMBER[:4] + "*" in summary
    assert "138****8000" in summary
    await _click(harness, "fm:ok")
    assert "个人承诺" in harness.last_text() and "不弄虚作假" in harness.last_text()
    await _click(harness, "fm:c:pledge:accept")
    assert "申请编号：SQ" in harness.last_text()
    async with harness.app.sessions() as session:
        stored = (await session.exec(select(Application))).one()
        pledge = (await session.exec(select(PledgeAcceptance))).one()
    assert stored.status == "submitted" and stored.level == 4 and stored.years_in_post == 5
    assert ID_NUMBER not in stored.id_number_enc and harness.app.cipher.decrypt(stored.id_number_enc) == ID_NUMBER
    assert stored.subjects == ["theory", "practical"] and len(stored.documents) == 1
    assert pledge.application_id == stored.id and len(pledge.text_hash) == 64


async def test_bad_id_numbers_are_explained_and_nothing_is_lost(harness: Harness) -> None:
    announcement = await open_announcement(harness.app, TODAY)
    await harness.feed(u.command(USER, "apply"))
    await _click(harness, f"fm:c:announcement:{announcement.id}")
    await _click(harness, "fm:c:level:4")
    await harness.feed(u.message(USER, "张三"))
    await _click(harness, "fm:c:id_type:201")
    await harness.feed(u.message(USER, "110105491231002"))
    assert "15 位" in harness.texts()[-2]
    wrong = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    await harness.feed(u.message(USER, wrong))
    assert "校验" in harness.texts()[-2]
    await harness.feed(u.message(USER, " ".join(ID_NUMBER).lower().replace("1", "１")))
    assert "手机号" in harness.last_text()
    await harness.feed(u.command(USER, "cancel"))
    await harness.feed(u.command(USER, "apply"))
    assert "恢复" in harness.texts()[-2]


async def test_ineligible_application_gets_precise_reasons(harness: Harness) -> None:
    announcement = await open_announcement(harness.app, TODAY)
    await fill_until_summary(harness, announcement.id or 0)
    await _click(harness, "fm:e:years")
    await harness.feed(u.message(USER, "1"))
    await _click(harness, "fm:e:held_cert")
    await _click(harness, "fm:c:held_cert:none")
    await _click(harness, "fm:ok")
    reasons = " ".join(harness.texts()[-3:])
    assert "4 年" in reasons and "五级" in reasons
    async with harness.app.sessions() as session:
        assert (await session.exec(select(Application))).first() is None


async def test_no_open_announcement(harness: Harness) -> None:
    await harness.feed(u.command(USER, "apply"))
    assert "没有正在报名" in harness.last_text()


async def test_photo_background_is_checked_and_the_content_hash_stored(harness: Harness) -> None:
    announcement = await open_announcement(harness.app, TODAY)
    harness.api.files["blue-photo"] = id_photo(BLUE)
    harness.api.files["white-photo"] = white = id_photo()
    await fill_until_summary(harness, announcement.id or 0)
    await _click(harness, "fm:e:photo")
    await harness.feed(u.photo(USER, file_id="blue-photo"))
    assert "白色" in harness.texts()[-2]
    await harness.feed(u.photo(USER, file_id="white-photo"))
    await _click(harness, "fm:ok")
    await _click(harness, "fm:c:pledge:accept")
    async with harness.app.sessions() as session:
        stored = (await session.exec(select(Application))).one()
    assert stored.photo["file_id"] == "white-photo" and stored.photo["sha256"] == hashlib.sha256(white).hexdigest()
