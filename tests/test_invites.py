"""One-time staff invitations: single use, expiry, unknown tokens, audit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.app import App
from bot.services import invites
from storage.models import AuditLog, Invite
from storage.repositories import users

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


async def test_invite_grants_role_once_and_is_audited(app: App) -> None:
    async with app.sessions() as session:
        token = await invites.create(session, "proctor", 1, timedelta(hours=72), NOW)
        await session.commit()
        first = await invites.redeem(session, token, 2, NOW + timedelta(hours=1))
        again_same_user = await invites.redeem(session, token, 2, NOW + timedelta(hours=2))
        other_user = await invites.redeem(session, token, 3, NOW + timedelta(hours=2))
        await session.commit()
        user = await users.get(session, 2)
        stored = (await session.exec(select(Invite))).all()
        actions = [a.action for a in (await session.exec(select(AuditLog))).all()]
    assert first.status is invites.Redeemed.OK and first.role == "proctor"
    assert again_same_user.status is invites.Redeemed.OK
    assert other_user.status is invites.Redeemed.USED
    assert user is not None and user.role == "proctor"
    assert all(token not in inv.token_hash for inv in stored), "only the hash is stored"
    assert {"create", "redeem", "set_role"} <= set(actions)


async def test_expired_and_unknown_tokens_are_refused(app: App) -> None:
    async with app.sessions() as session:
        token = await invites.create(session, "staff", 1, timedelta(hours=1), NOW)
        await session.commit()
        expired = await invites.redeem(session, token, 2, NOW + timedelta(hours=1, seconds=1))
        unknown = await invites.redeem(session, "not-a-token", 2, NOW)
        user = await users.get(session, 2)
    assert expired.status is invites.Redeemed.EXPIRED
    assert unknown.status is invites.Redeemed.INVALID
    assert user is None or user.role == "candidate"


async def test_candidate_role_cannot_be_invited(app: App) -> None:
    async with app.sessions() as session:
        with pytest.raises(ValueError):
            await invites.create(session, "candidate", 1, timedelta(hours=1), NOW)


def test_deep_link_format() -> None:
    assert invites.deep_link("skill_bot", "abc") == "https://t.me/skill_bot?start=inv_abc"
    assert len(("inv_" + "x" * 24).encode()) <= 64  # Telegram's start parameter limit
