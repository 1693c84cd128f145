"""One-time staff invitations: create a deep link, redeem it once before it expires."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from flows.menu import INVITABLE_ROLES
from storage.repositories import audit, invites, users

PREFIX = "inv_"


class Redeemed(StrEnum):
    """Outcome of redeeming an invite token."""

    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class RedeemResult:
    """Outcome and, when OK, the role granted."""

    status: Redeemed
    role: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def create(session: AsyncSession, role: str, created_by: int, ttl: timedelta, now: datetime) -> str:
    """Store a new invite for `role` and return its secret token (only the hash is kept)."""
    if role not in INVITABLE_ROLES:
        raise ValueError(role)
    token = secrets.token_urlsafe(18)
    invite = await invites.add(session, _hash(token), role, created_by, now + ttl)
    await audit.record(session, created_by, "create", "invite", invite.id or 0, None, {"role": role, "expires_at": (now + ttl).isoformat()})
    return token


def deep_link(bot_username: str | None, token: str) -> str:
    """t.me deep link (or the bare /start payload when the bot's username is unknown)."""
    payload = f"{PREFIX}{token}"
    return f"https://t.me/{bot_username}?start={payload}" if bot_username else f"/start {payload}"


async def redeem(session: AsyncSession, token: str, user_id: int, now: datetime) -> RedeemResult:
    """Grant the invite's role to the user if the token is valid, unexpired and unused."""
    invite = await invites.by_hash(session, _hash(token))
    if invite is None:
        return RedeemResult(Redeemed.INVALID)
    if invite.used_by is not None:
        if invite.used_by == user_id:
            return RedeemResult(Redeemed.OK, invite.role)
        return RedeemResult(Redeemed.USED)
    if _aware(invite.expires_at) <= now:
        return RedeemResult(Redeemed.EXPIRED)
    user = await users.get(session, user_id)
    before = {"role": user.role if user else None}
    await users.set_role(session, user_id, invite.role)
    await invites.mark_used(session, invite, user_id, now)
    await audit.record(session, user_id, "redeem", "invite", invite.id or 0, None, {"role": invite.role})
    await audit.record(session, user_id, "set_role", "user", user_id, before, {"role": invite.role})
    return RedeemResult(Redeemed.OK, invite.role)
