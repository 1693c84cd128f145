"""Command menus per scope: candidate menus per language, a chat menu for every non-candidate user."""

from __future__ import annotations

from bot.app import App
from bot.menus import build_menus, telegram_language
from flows.menu import commands_for
from storage.repositories import users


def test_telegram_language_codes() -> None:
    assert telegram_language("zh_CN") == "zh"
    assert telegram_language("en") == "en"
    assert telegram_language("pt-BR") == "pt"


async def test_menus_per_language_and_per_privileged_user(app: App) -> None:
    async with app.sessions() as session:
        await users.set_role(session, 1, "candidate")
        await users.set_role(session, 2, "staff")
        english_admin = await users.set_role(session, 3, "admin")
        english_admin.locale = "en"
        await users.set_role(session, 4, "proctor")
        await session.commit()

    scopes = await build_menus(app)

    by_key = {(s.chat_id, s.language_code): s for s in scopes}
    assert set(by_key) == {(None, None), (None, "en"), (2, None), (3, None), (4, None)}
    default, english = by_key[(None, None)], by_key[(None, "en")]
    assert [c.command for c in default.commands] == list(commands_for("candidate"))
    assert default.commands[0].description == app.i18n.render("zh_CN", "cmd.start")
    assert english.commands[0].description == app.i18n.render("en", "cmd.start")
    staff_menu = {c.command: c.description for c in by_key[(2, None)].commands}
    assert staff_menu["invite"] == app.i18n.render("zh_CN", "cmd.invite")
    admin_menu = {c.command: c.description for c in by_key[(3, None)].commands}
    assert admin_menu["invite"] == app.i18n.render("en", "cmd.invite")
    assert [c.command for c in by_key[(4, None)].commands] == list(commands_for("proctor"))
    assert all(1 <= len(c.description) <= 256 for s in scopes for c in s.commands)
