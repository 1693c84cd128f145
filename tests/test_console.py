"""The console transport: routed like Telegram, numbered buttons, never crashes on any input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.runmodes import run_console
from bot.services import usecases
from handlers.console import Console
from storage.repositories import audit, users
from tests.conftest import make_settings


async def chat(app: App, *lines: str, user_id: int = 1) -> str:
    """Feed lines to a console (no banner) and return everything it printed."""
    out = io.StringIO()
    await Console(app, io.StringIO("".join(line + "\n" for line in lines)), out, user_id=user_id).run(banner=False)
    return out.getvalue()


def after(output: str, typed: str) -> str:
    """What the console printed after echoing the last occurrence of `typed`."""
    return output.rsplit(f"> {typed}\n", 1)[1]


def replies(output: str) -> list[str]:
    """The console's answer to each input line, in order."""
    return [chunk.split("\n", 1)[1] if "\n" in chunk else "" for chunk in ("\n" + output).split("\n> ")[1:]]


async def test_start_shows_the_candidate_welcome(app: App) -> None:
    out = await chat(app, "/start")
    assert "> /start" in out
    assert "职业技能等级认定" in out and "/profile" in out and "/invite" not in out


async def test_profile_through_contact_and_numbered_buttons_is_saved(app: App) -> None:
    out = await chat(app, "/profile", "张三", "#contact +8613800138000", "#3", "/whoami", "#quit", "/help")
    contact_step = after(out, "张三")
    assert "[1] 📱 发送本人手机号" in contact_step and "#contact" in contact_step
    summary = after(out, "#contact +8613800138000")
    assert "[1] ✏️ 修改姓名" in summary and "[3] ✅ 确认提交" in summary and "138****8000" in summary
    assert "个人信息已保存" in after(out, "#3")
    assert "张三" in after(out, "/whoami") and "138****8000" in after(out, "/whoami")
    assert "> /help" not in out, "#quit ends the chat"
    assert "已退出控制台演示" in out


async def test_edit_button_and_reply_keyboard_buttons(app: App) -> None:
    out = await chat(app, "/profile", "张三", "#1", "#2", "李四", "#contact 13800138000", "#1", "王五", "#3")
    answers = replies(out)
    assert "#contact 手机号" in answers[2] and "🤖" not in answers[2], "the request-contact button explains #contact"
    assert "请输入您的姓名" in answers[3] and "当前填写：张三" in answers[3], "reply-keyboard ⬅️ goes back to the name"
    assert "李四" in answers[5] and "[1] ✏️ 修改姓名" in answers[5]
    assert "当前填写：李四" in answers[6], "✏️ 修改姓名 shows the current value"
    assert "王五" in answers[8] and "个人信息已保存" in answers[8]


async def test_language_button_switches_console_notices_too(app: App) -> None:
    out = await chat(app, "/lang", "#2", "#99")
    assert "[1] 简体中文" in out and "[2] English" in out
    assert "English" in after(out, "#2")
    assert "The last message has no buttons" in after(out, "#99")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("asdfgh", "我没有看懂"),
        ("#99", "按钮"),
        ("#bogus", "#bogus"),
        ("#", "控制台指令"),
        ("#contact", "#contact 手机号"),
        ("#file", "#file 文件名"),
        ("#file 学历证书.pdf", "我没有看懂"),
        ("#photo", "我没有看懂"),
        ("/frobnicate", "/frobnicate"),
        ("/invite proctor", "/invite"),
        ("/start inv_garbage", "邀请链接无效"),
        ("/start@some_bot", "职业技能等级认定"),
        ("x" * 10000, "我没有看懂"),
        ("\x00\x1b[2J", "我没有看懂"),
        ("👍", "我没有看懂"),
    ],
)
async def test_garbage_never_crashes_and_gets_a_hint(app: App, line: str, expected: str) -> None:
    out = await chat(app, line, "/whoami")
    first, second = replies(out)
    assert expected in first
    assert "用户编号：1" in second, "the console keeps going after any input"
    assert "抱歉" not in out


async def test_candidate_invite_is_an_unknown_command(app: App) -> None:
    out = await chat(app, "/invite proctor")
    assert "无法识别的命令 /invite" in out and "inv_" not in out


async def test_an_internal_failure_prints_the_apology_and_goes_on(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("boom 13800138000")

    monkeypatch.setattr(usecases, "user_input", broken)
    out = await chat(app, "hello", "/help")
    assert "抱歉，处理时出现问题" in after(out, "hello")
    assert "/profile" in after(out, "/help")
    assert "13800138000" not in out


async def test_blank_lines_are_ignored_and_eof_ends(app: App) -> None:
    out = await chat(app, "", "   ", "/help")
    assert out.count("> ") == 1 and "已退出控制台演示" in out


async def test_console_as_staff_sees_and_uses_invite(tmp_path: Path) -> None:
    application = build_app(make_settings(tmp_path))
    try:
        out = io.StringIO()
        await run_console(application, user_id=42, role="staff", demo=True, stdin=io.StringIO("/start\n/invite proctor\n"), stdout=out)
        text = out.getvalue()
        assert "考务人员" in text and "#1" in text, "the banner names the role and explains buttons"
        assert "/invite" in after(text, "/start")
        link = after(text, "/invite proctor")
        assert "https://t.me/skillbot_test_bot?start=inv_" in link
        payload = link.split("?start=")[1].split()[0]
        redeemed = await chat(application, f"/start {payload}", user_id=43)
        assert "监考人员" in redeemed
        async with application.sessions() as session:
            assert (await users.get(session, 43)).role == "proctor"  # type: ignore[union-attr]
            entries = await audit.for_entity(session, "user", 42)
        assert [e.action for e in entries] == ["console_set_role"]
    finally:
        await application.close()
