"""Storage on SQLite and PostgreSQL: migrations, WAL, optimistic lock, update dedup, PII at rest, repositories.

PostgreSQL runs when SKILLBOT_TEST_PG_URL is set (`export SKILLBOT_TEST_PG_URL=$(scripts/postgres.sh)`); each test
gets its own database. Without it the postgres cases skip locally and fail in CI.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.app import App, build_app
from bot.pii import mask_name, mask_phone
from bot.services import effects
from flows.context import FlowContext
from flows.effects import SaveProfile
from storage import migrate
from storage.models import ProcessedUpdate, UserAccount, utcnow
from storage.repositories import audit, conversations, invites, updates, users
from tests.conftest import make_settings
from tests.support.pg import require_pg_url, temporary_database

BIG_ID = 7_000_000_001  # Telegram ids exceed 32 bits
PHONE = "13912345678"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty database: a SQLite file (in a folder still to create) or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'store.sqlite3'}"
        return
    with temporary_database(require_pg_url()) as url:
        yield url


@pytest.fixture
async def store(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """An App on the fresh database, schema created by the migrations."""
    migrate.upgrade(db_url)
    application = build_app(make_settings(tmp_path, database_url=db_url))
    yield application
    await application.close()


def test_migrations_upgrade_empty_database_to_head_in_sync_with_models(db_url: str) -> None:
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head() is not None
    assert migrate.check(db_url) == []
    migrate.upgrade(db_url)  # already at head: nothing to do
    engine = migrate.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_user_account_role"))
    engine.dispose()
    assert [diff[0] for diff in migrate.check(db_url)] == ["add_index"], "check() sees drift"


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert {diff[0] for diff in migrate.check(db_url)} == {"add_table", "add_index"}
    migrate.upgrade(db_url)
    assert migrate.check(db_url) == []


async def test_create_schema_equals_migrations(db_url: str, tmp_path: Path) -> None:
    application = build_app(make_settings(tmp_path, database_url=db_url))
    await application.create_schema()
    await application.close()
    assert migrate.check(db_url) == []


async def test_sqlite_journal_mode_is_wal(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated" / "a.sqlite3"
    migrate.upgrade(f"sqlite:///{migrated}")
    with sqlite3.connect(migrated) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    application = build_app(make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'app' / 'b.sqlite3'}"))
    try:
        async with application.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        await application.close()


@pytest.mark.parametrize("start", [0, 1])
async def test_conversation_optimistic_lock_one_writer_wins(store: App, start: int) -> None:
    """Both sessions read version N; A writes and B's write is pending while A commits: B gets StaleState."""
    if start:
        async with store.sessions() as session:
            await conversations.save(session, BIG_ID, "seed", 0)
            await session.commit()

    async def load() -> int:
        async with store.sessions() as session:
            _, version = await conversations.load(session, BIG_ID)
            await session.commit()
            return version

    assert [await load(), await load()] == [start, start]
    async with store.sessions() as first, store.sessions() as second:
        assert await conversations.save(first, BIG_ID, "A", start) == start + 1
        racing = asyncio.create_task(conversations.save(second, BIG_ID, "B", start))
        await asyncio.sleep(0.2)  # let B reach the database: it waits on A's lock (row on PostgreSQL, file on SQLite)
        await first.commit()
        with pytest.raises(conversations.StaleState):
            await racing
    async with store.sessions() as session:
        assert await conversations.load(session, BIG_ID) == ("A", start + 1)


async def test_update_id_is_recorded_with_the_first_commit_not_before_and_not_after_a_rollback(store: App) -> None:
    async with store.sessions() as session:
        updates.claim_on_commit(session, BIG_ID)
        await users.touch(session, BIG_ID, "Li", "li")
        assert not await updates.seen(session, BIG_ID), "nothing is recorded before the commit"
        await session.rollback()
        assert updates.claim_pending(session) and not await updates.seen(session, BIG_ID)
        await users.touch(session, BIG_ID, "Li", "li")
        await session.commit()
        assert updates.claim_committed(session) and not updates.claim_pending(session)
        await users.touch(session, BIG_ID, "Li", "li2")
        await session.commit()  # a second commit of the same update does not record it again
    async with store.sessions() as session:
        assert await updates.seen(session, BIG_ID)
        await updates.release(session, BIG_ID)
        assert not await updates.seen(session, BIG_ID)


async def test_processed_update_ids_are_purged_after_the_retention(store: App) -> None:
    async with store.sessions() as session:
        session.add(ProcessedUpdate(update_id=BIG_ID, processed_at=utcnow()))
        session.add(ProcessedUpdate(update_id=BIG_ID + 1, processed_at=utcnow() - timedelta(hours=30)))
        await session.commit()
        assert await updates.purge(session, timedelta(hours=24)) == 1
        assert await updates.seen(session, BIG_ID) and not await updates.seen(session, BIG_ID + 1)


async def test_two_deliveries_of_one_update_racing_commit_exactly_once(store: App) -> None:
    async def deliver(name: str) -> str:
        async with store.sessions() as session:
            updates.claim_on_commit(session, 77)
            await users.touch(session, 9000 + len(name), name, None)
            try:
                await session.commit()
            except Exception as exc:
                await session.rollback()
                return "lost" if await updates.lost_race(session, exc) else f"error {type(exc).__name__}"
            return "committed"

    assert sorted(await asyncio.gather(deliver("a"), deliver("bb"))) == ["committed", "lost"]
    async with store.sessions() as session:
        names = {u.first_name for u in (await session.exec(select(UserAccount))).all()}
    assert len(names & {"a", "bb"}) == 1, "the losing delivery's changes were rolled back"


async def test_phone_is_encrypted_at_rest_and_audit_is_masked(store: App) -> None:
    new_phone = "18600001111"
    async with store.sessions() as session:
        user = await users.touch(session, BIG_ID, "Li", "li")
        await effects.apply(store, session, user, [SaveProfile(name="李小龙", phone=PHONE)], _ctx(user.id))
        await session.commit()
        await effects.apply(store, session, user, [SaveProfile(name="李小龙", phone=new_phone)], _ctx(user.id))
        await session.commit()
    async with store.engine.connect() as conn:
        phone_enc, phone_hash = (
            await conn.execute(text("SELECT phone_enc, phone_hash FROM user_account WHERE id = :id"), {"id": BIG_ID})
        ).one()
        audit_rows = (await conn.execute(text("SELECT * FROM audit_log"))).all()
    assert new_phone not in phone_enc and new_phone[3:] not in phone_enc
    assert store.cipher.decrypt(phone_enc) == new_phone
    assert phone_hash == store.cipher.lookup_hash(new_phone)
    raw_audit = json.dumps([[str(value) for value in row] for row in audit_rows], ensure_ascii=False)
    assert PHONE not in raw_audit and new_phone not in raw_audit and "李小龙" not in raw_audit
    async with store.sessions() as session:
        entries = await audit.for_entity(session, "user", BIG_ID)
        by_hash = select(UserAccount).where(UserAccount.phone_hash == store.cipher.lookup_hash(new_phone))
        found = (await session.exec(by_hash)).all()
    assert [e.after for e in entries] == [
        {"full_name": mask_name("李小龙"), "phone": mask_phone(PHONE)},
        {"full_name": mask_name("李小龙"), "phone": mask_phone(new_phone)},
    ]
    assert entries[1].before == {"full_name": mask_name("李小龙"), "phone": "139****5678"}
    assert [u.id for u in found] == [BIG_ID]


async def test_invites_repository_round_trip(store: App) -> None:
    token_hash = "a" * 64
    expires = datetime(2030, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    used_at = datetime(2029, 12, 31, 23, 59, 59, 123456, tzinfo=timezone.utc)
    async with store.sessions() as session:
        invite = await invites.add(session, token_hash, "proctor", BIG_ID, expires)
        await session.commit()
    assert invite.id is not None
    async with store.sessions() as session:
        found = await invites.by_hash(session, token_hash)
        assert await invites.by_hash(session, "b" * 64) is None
        assert found is not None and found.role == "proctor" and found.created_by == BIG_ID
        assert found.used_by is None and found.expires_at == expires and found.expires_at.utcoffset() == timedelta(0)
        await invites.mark_used(session, found, BIG_ID + 5, used_at)
        await session.commit()
    async with store.sessions() as session:
        again = await invites.by_hash(session, token_hash)
        assert again is not None and again.used_by == BIG_ID + 5 and again.used_at == used_at
        with pytest.raises(IntegrityError):
            await invites.add(session, token_hash, "staff", 1, expires)


async def test_users_touch_and_set_role(store: App) -> None:
    async with store.sessions() as session:
        created = await users.touch(session, BIG_ID, "Ann", "ann")
        await session.commit()
    assert created.role == "candidate" and created.created_at.tzinfo is not None
    async with store.sessions() as session:
        await users.touch(session, BIG_ID, "Anna", "anna")
        await session.commit()
    async with store.sessions() as session:
        user = await users.get(session, BIG_ID)
        assert user is not None and (user.first_name, user.username) == ("Anna", "anna")
        assert user.updated_at >= created.updated_at
        await users.set_role(session, BIG_ID, "staff")
        await users.set_role(session, BIG_ID + 1, "proctor")
        await session.commit()
    async with store.sessions() as session:
        roles = {u.id: u.role for u in await users.by_role(session, ("staff", "proctor"))}
        assert await users.get(session, BIG_ID + 2) is None
    assert roles == {BIG_ID: "staff", BIG_ID + 1: "proctor"}


def _ctx(user_id: int) -> FlowContext:
    """A flow context for applying effects outside a Telegram update."""
    return FlowContext(user_id=user_id, chat_id=user_id, role="candidate", locale="zh_CN", now=datetime.now(timezone.utc))
