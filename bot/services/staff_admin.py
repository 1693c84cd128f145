"""Operator actions from the command line: grant roles (audited) and list privileged accounts (masked)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_name
from flows.menu import CANDIDATE, ROLES
from storage.repositories import audit, users


@dataclass(frozen=True)
class RoleChange:
    """A user's role before and after a change."""

    user_id: int
    before: str | None
    after: str


@dataclass(frozen=True)
class StaffRow:
    """One privileged account as shown to an operator (name masked)."""

    user_id: int
    role: str
    name: str
    locale: str


async def set_role(app: App, user_id: int, role: str, action: str = "cli_set_role") -> RoleChange:
    """Give a Telegram user a role (creating the account if needed) and audit it; ValueError on an unknown role."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    async with app.sessions() as session:
        existing = await users.get(session, user_id)
        before = existing.role if existing is not None else None
        if before != role:
            await users.set_role(session, user_id, role)
            await audit.record(session, None, action, "user", user_id, {"role": before}, {"role": role})
        await session.commit()
    return RoleChange(user_id, before, role)


async def list_staff(app: App) -> list[StaffRow]:
    """Every account with a role other than candidate, by id."""
    async with app.sessions() as session:
        accounts = await users.by_role(session, tuple(r for r in ROLES if r != CANDIDATE))
    return [
        StaffRow(a.id, a.role, mask_name(a.full_name or a.first_name), a.locale or app.settings.default_locale)
        for a in sorted(accounts, key=lambda a: a.id)
    ]


ADMIN = "admin"


async def change_role(session: AsyncSession, actor_id: int, user_id: int, role: str) -> RoleChange | None:
    """An admin gives another known account a role (audited with the admin as actor, committed); None when refused:
    the actor's own account, an unknown account or role."""
    if role not in ROLES or user_id == actor_id:
        return None
    existing = await users.get(session, user_id)
    if existing is None:
        return None
    before = existing.role
    if before != role:
        await users.set_role(session, user_id, role)
        await audit.record(session, actor_id, "staff_set_role", "user", user_id, {"role": before}, {"role": role})
    await session.commit()
    return RoleChange(user_id, before, role)


async def staff_rows(session: AsyncSession, default_locale: str) -> list[StaffRow]:
    """Every account with a role other than candidate, by role then id (names masked)."""
    accounts = await users.by_role(session, tuple(r for r in ROLES if r != CANDIDATE))
    order = {r: i for i, r in enumerate(ROLES)}
    return [
        StaffRow(a.id, a.role, mask_name(a.full_name or a.first_name), a.locale or default_locale)
        for a in sorted(accounts, key=lambda a: (order.get(a.role, 99), a.id))
    ]
