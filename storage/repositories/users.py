"""User accounts: upsert on contact, roles, language and encrypted profile."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UserAccount, utcnow


async def get(session: AsyncSession, user_id: int) -> UserAccount | None:
    """The account of a Telegram user, if known."""
    return await session.get(UserAccount, user_id)


async def touch(session: AsyncSession, user_id: int, first_name: str | None, username: str | None) -> UserAccount:
    """Return the account, creating it (role candidate) on first contact and refreshing display fields."""
    user = await session.get(UserAccount, user_id)
    if user is None:
        user = UserAccount(id=user_id, first_name=first_name, username=username)
        session.add(user)
        await session.flush()
        return user
    if (first_name, username) != (user.first_name, user.username):
        user.first_name, user.username, user.updated_at = first_name, username, utcnow()
        session.add(user)
    return user


async def set_role(session: AsyncSession, user_id: int, role: str) -> UserAccount:
    """Set a user's role, creating the account if needed."""
    user = await session.get(UserAccount, user_id)
    if user is None:
        user = UserAccount(id=user_id, role=role)
    else:
        user.role, user.updated_at = role, utcnow()
    session.add(user)
    await session.flush()
    return user


async def by_role(session: AsyncSession, roles: tuple[str, ...]) -> list[UserAccount]:
    """Accounts holding any of the roles."""
    result = await session.exec(select(UserAccount).where(UserAccount.role.in_(roles)))  # type: ignore[attr-defined]
    return list(result.all())
