"""The review queue and /my in the console demo: routed exactly like Telegram, staff-only commands gated."""

from __future__ import annotations

from datetime import date

from bot.app import App
from tests.support.applications import ID_NUMBER, add_user, insert_application, reload
from tests.support.catalog import open_announcement
from tests.test_console import after, chat

STAFF = 31
CANDIDATE = 32


async def test_console_staff_reviews_and_the_candidate_sees_it_in_my(app: App) -> None:
    announcement = await open_announcement(app, date.today())
    await add_user(app, STAFF, role="staff")
    application = await insert_application(app, announcement, CANDIDATE)
    out = await chat(app, "/review", "#2", "#5", "照片是黑白的", user_id=STAFF)
    card = after(out, "/review")
    assert "SQ2026000001" in card and ID_NUMBER not in card and "[1] ✅ 通过" in card and "[2] ❌ 驳回" in card
    assert "请选择原因" in after(out, "#2")
    assert "请输入给申报人的具体说明" in after(out, "#5") and "不补充说明" not in after(out, "#5"), "“other” needs text"
    assert "已驳回申报 SQ2026000001" in after(out, "照片是黑白的")
    assert (await reload(app, application.id or 0)).status == "rejected"
    mine = await chat(app, "/my", "#1", user_id=CANDIDATE)
    assert "未通过" in after(mine, "/my") and "照片是黑白的" in after(mine, "/my")
    assert "正在修改申报 SQ2026000001" in after(mine, "#1")


async def test_console_candidate_review_is_an_unknown_command(app: App) -> None:
    out = await chat(app, "/review", "/export_applications 1", user_id=CANDIDATE)
    assert "无法识别的命令 /review" in out and "无法识别的命令 /export_applications" in out


async def test_console_staff_export_shows_the_file_not_its_content(app: App) -> None:
    announcement = await open_announcement(app, date.today())
    await add_user(app, STAFF, role="staff")
    await insert_application(app, announcement, CANDIDATE)
    out = await chat(app, f"/export_applications {announcement.id}", user_id=STAFF)
    assert f"applications_{announcement.id}.xlsx" in out and "完整的证件号码" in out and ID_NUMBER not in out
