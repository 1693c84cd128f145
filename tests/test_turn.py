"""Unit of work per update: concurrent updates, optimistic-lock retries, encryption at rest, clean logs."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from sqlalchemy import text

from bot.app import App
from bot.logs import configure_logging
from bot.services import usecases
from bot.services.intake import update_scope
from bot.services.turn import Actor
from flows.events import TextInput
from storage.repositories import conversations
from tests.conftest import Harness
from tests.support import updates as u

USER = 515151
PHONE = "13912345678"


async def test_two_concurrent_updates_of_one_user_are_both_applied_once(harness: Harness) -> None:
    await harness.feed(u.command(USER, "profile"))
    harness.clear()
    await asyncio.gather(harness.feed(u.message(USER, "张三")), harness.feed(u.message(USER, "李四")))
    texts = harness.texts()
    # one name was taken, the other arrived at the mobile step and was rejected there; nothing was lost or doubled
    assert sum("手机号格式不正确" in t for t in texts) == 1
    async with harness.app.sessions() as session:
        data_enc, version = await conversations.load(session, USER)
    state = json.loads(harness.app.cipher.decrypt(data_enc) or "{}")
    assert state["forms"]["profile"]["step"] == "mobile"
    assert state["forms"]["profile"]["values"]["name"] in {"张三", "李四"}
    assert version == 2  # /profile and the accepted name; the rejected input changed nothing


async def test_a_stale_state_is_reloaded_and_the_step_rerun(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    real_save = conversations.save
    calls = {"n": 0}

    async def flaky_save(session, user_id, data_enc, expected_version):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise conversations.StaleState(user_id)
        return await real_save(session, user_id, data_enc, expected_version)

    monkeypatch.setattr(conversations, "save", flaky_save)
    async with update_scope(app, 1, Actor(USER, USER)) as turn:
        assert turn is not None
        outcome = await usecases.simple(turn, "profile", TextInput(""))
    assert calls["n"] == 2
    assert len(outcome.outgoing) == 1


async def test_drafts_and_profile_are_encrypted_at_rest(harness: Harness) -> None:
    for update in (u.command(USER, "profile"), u.message(USER, "张三"), u.message(USER, PHONE)):
        await harness.feed(update)
    async with harness.app.engine.connect() as conn:
        draft = (await conn.execute(text("select data_enc from conversation where user_id = :u"), {"u": USER})).scalar_one()
    assert "张三" not in draft and PHONE not in draft and len(draft) > 50
    await harness.feed(u.callback(USER, "fm:ok"))
    async with harness.app.engine.connect() as conn:
        row = (await conn.execute(text("select phone_enc, phone_hash from user_account where id = :u"), {"u": USER})).one()
        audit = (await conn.execute(text("select before, after from audit_log where action = 'save_profile'"))).all()
    assert PHONE not in row[0] and row[1] == harness.app.cipher.lookup_hash(PHONE)
    assert harness.app.cipher.decrypt(row[0]) == PHONE
    assert audit and PHONE not in str(audit) and "139****5678" in str(audit)


async def test_personal_data_never_reaches_the_logs(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    for update in (u.command(USER, "profile"), u.message(USER, "王小明"), u.contact(USER, PHONE), u.callback(USER, "fm:ok")):
        await harness.feed(update)
    assert "王小明" in harness.last_text() or "王小明" in " ".join(harness.texts())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PHONE not in logged and "王小明" not in logged
