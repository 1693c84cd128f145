"""Basic commands end to end on every Telegram transport (Update JSON in, Bot API calls out)."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u

USER = 424242


async def test_start_welcomes_a_candidate_in_chinese(harness: Harness) -> None:
    await harness.feed(u.command(USER, "start"))
    text = harness.last_text()
    assert "职业技能等级认定" in text
    assert "/profile" in text and "/invite" not in text


async def test_start_for_bootstrap_admin_lists_staff_commands(harness: Harness) -> None:
    await harness.feed(u.command(ADMIN_ID, "start"))
    assert "/invite" in harness.last_text()


async def test_lang_switches_to_english_and_back(harness: Harness) -> None:
    await harness.feed(u.command(USER, "lang"))
    datas = [b["callback_data"] for b in harness.buttons()]
    assert datas == ["lang:zh_CN", "lang:en"]
    await harness.feed(u.callback(USER, "lang:en"))
    assert harness.api.calls_of("answerCallbackQuery"), "callback must be answered"
    assert "English" in harness.last_text()
    await harness.feed(u.command(USER, "help"))
    assert "Your role: candidate" in harness.last_text()


async def test_unknown_command_and_sticker_get_hints(harness: Harness) -> None:
    await harness.feed(u.command(USER, "frobnicate"))
    assert "/frobnicate" in harness.last_text()
    await harness.feed(u.sticker(USER))
    assert "贴纸" in harness.last_text()
    await harness.feed(u.edited(USER, "hello"))
    assert "修改已发送的消息" in harness.last_text()


async def test_duplicate_update_is_processed_once(harness: Harness) -> None:
    update = u.command(USER, "help")
    await harness.feed(update)
    await harness.feed(update)
    assert len(harness.api.calls_of("sendMessage")) == 1


async def test_profile_form_back_edit_cancel_resume(harness: Harness) -> None:
    await harness.feed(u.command(USER, "profile"))
    assert "姓名" in harness.last_text()
    await harness.feed(u.message(USER, "张三"))
    markup = harness.last_markup()
    assert markup and markup["keyboard"][0][0].get("request_contact") is True
    await harness.feed(u.message(USER, "12345"))
    assert "手机号格式不正确" in harness.texts()[-2]
    await harness.feed(u.command(USER, "cancel"))
    assert "草稿" in harness.texts()[-2]
    await harness.feed(u.command(USER, "profile"))
    assert "恢复" in harness.texts()[-2]
    await harness.feed(u.contact(USER, "+86 138 0013 8000"))
    assert "138****8000" in harness.last_text()
    await harness.feed(u.callback(USER, "fm:e:name"))
    assert "张三" in harness.last_text()
    await harness.feed(u.message(USER, "李四"))
    assert "李四" in harness.last_text()
    await harness.feed(u.callback(USER, "fm:ok"))
    assert "个人信息已保存" in harness.last_text()
    await harness.feed(u.command(USER, "whoami"))
    assert "李四" in harness.last_text() and "138****8000" in harness.last_text()


async def test_invite_link_grants_role_once(harness: Harness) -> None:
    await harness.feed(u.command(ADMIN_ID, "invite", "proctor"))
    text = harness.last_text()
    assert "https://t.me/skillbot_test_bot?start=inv_" in text
    payload = text.split("?start=")[1].split()[0]
    await harness.feed(u.command(USER, "start", payload))
    assert "监考人员" in harness.texts()[-2]
    menu = harness.api.calls_of("setMyCommands")[-1].params
    assert menu["scope"] == {"type": "chat", "chat_id": USER}
    assert [c["command"] for c in menu["commands"]][:2] == ["start", "help"]
    await harness.feed(u.command(USER + 1, "start", payload))
    assert "已被使用" in harness.texts()[-2]


async def test_candidate_cannot_invite(harness: Harness) -> None:
    await harness.feed(u.command(USER, "invite", "admin"))
    assert "https://t.me" not in harness.last_text()


async def test_messages_in_a_group_are_ignored(harness: Harness) -> None:
    update = u.command(USER, "help")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "exam staff"}
    await harness.feed(update)
    await harness.feed(u.message(USER, "hello"))
    assert len(harness.api.calls_of("sendMessage")) == 1  # only the private message got an answer
