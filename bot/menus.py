"""Command menus (setMyCommands) per role and language, rendered from the `cmd.*` catalogue keys."""

from __future__ import annotations

from bot.app import App
from flows.menu import CANDIDATE, ROLES, commands_for
from handlers.base import MenuCommand, MenuScope
from storage.repositories import users


def telegram_language(locale: str) -> str:
    """The two-letter ISO 639-1 code Telegram uses for a catalogue locale (`zh_CN` → `zh`)."""
    return locale.replace("-", "_").split("_", 1)[0].lower()


def role_commands(app: App, role: str, locale: str) -> tuple[MenuCommand, ...]:
    """A role's commands with descriptions in one locale."""
    return tuple(MenuCommand(name, app.i18n.render(locale, f"cmd.{name}")) for name in commands_for(role))


async def build_menus(app: App) -> list[MenuScope]:
    """Candidate menus for the default scope and each other language, plus a chat menu per non-candidate user."""
    default = app.i18n.default
    scopes = [MenuScope(role_commands(app, CANDIDATE, default))]
    seen = {telegram_language(default)}
    for locale in app.i18n.locales:
        language = telegram_language(locale)
        if language not in seen:
            seen.add(language)
            scopes.append(MenuScope(role_commands(app, CANDIDATE, locale), language_code=language))
    privileged = tuple(role for role in ROLES if role != CANDIDATE)
    async with app.sessions() as session:
        accounts = await users.by_role(session, privileged)
    for account in sorted(accounts, key=lambda a: a.id):
        locale = app.i18n.resolve(account.locale)
        scopes.append(MenuScope(role_commands(app, account.role, locale), chat_id=account.id))
    return scopes
