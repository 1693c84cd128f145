"""Every staff command is audited (who ran which command, never its arguments), through the production dispatcher on
every transport; a candidate's commands and the commands everyone has are not."""

from __future__ import annotations

from sqlmodel import select

from flows.menu import CANDIDATE, commands_for
from storage.models import AuditLog
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import add_user

CANDIDATE_ID = 893001
EVERYONE = set(commands_for(CANDIDATE))
STAFF_ONLY = [name for name in commands_for("admin") if name not in EVERYONE]


async def audited_commands(harness: Harness) -> list[tuple[int | None, str]]:
    async with harness.app.sessions() as session:
        rows = (await session.exec(select(AuditLog).where(AuditLog.action == "command").order_by(AuditLog.id))).all()
    return [(r.actor_id, r.entity_id) for r in rows]


async def test_every_staff_command_is_audited_without_its_arguments(harness: Harness) -> None:
    assert {"assign", "scores", "broadcast", "stats", "export", "staff", "deadlines"} <= set(STAFF_ONLY)
    for name in STAFF_ONLY:
        await harness.feed(u.command(ADMIN_ID, name, "110101199003077777 13800138000"))
        await harness.feed(u.command(ADMIN_ID, "cancel"))
    assert await audited_commands(harness) == [(ADMIN_ID, name) for name in STAFF_ONLY]
    async with harness.app.sessions() as session:
        stored = " ".join(str((r.before, r.after)) for r in (await session.exec(select(AuditLog))).all())
    assert "110101199003077777" not in stored and "13800138000" not in stored


async def test_commands_everyone_has_are_not_audited(harness: Harness) -> None:
    await add_user(harness.app, CANDIDATE_ID, "candidate")
    for name in ("help", "whoami", "cert"):
        await harness.feed(u.command(ADMIN_ID, name))
    for name in ("help", "apply", "stats"):
        await harness.feed(u.command(CANDIDATE_ID, name))
    assert await audited_commands(harness) == []
