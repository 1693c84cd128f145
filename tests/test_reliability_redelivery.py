"""Through the real webhook server: one update delivered twice (one after the other and at once) and two updates of one
user delivered at once are each applied and answered exactly once, leaving a consistent application form."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App, build_app
from bot.webhook import create_webhook_app
from handlers.registry import create_transport
from storage.models import PledgeAcceptance
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support import updates as u
from tests.support.apply_form import TODAY, Candidate, Step, applications, assert_submitted, draft, form_steps, step_index
from tests.support.catalog import open_announcement
from tests.support.fake_bot_api import FakeBotApi
from tests.support.spec import assert_valid
from tests.support.webhook import SECRET, post, served

USER = 720001
RECEIVED = re.compile(r"已收到第 (\d+) 份")


@dataclass
class Served:
    """The app behind a real webhook server, a candidate posting to it, and the form script."""

    app: App
    candidate: Candidate
    steps: list[Step]

    def step(self, name: str) -> Step:
        """The step called `name`."""
        return self.steps[step_index(self.steps, name)]

    def until(self, name: str) -> list[Step]:
        """The steps before `name`."""
        return self.steps[: step_index(self.steps, name)]


@pytest.fixture(params=TRANSPORTS, ids=lambda f: f.value)
async def webhook(request: pytest.FixtureRequest, tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> AsyncIterator[Served]:
    """The webhook server (secret set) with a production transport on the emulator, and an open announcement."""
    settings = make_settings(
        tmp_path, database_url=database_url, telegram_bot_token=TEST_TOKEN, telegram_api_base=fake_api.base_url,
        bot_framework=request.param, webhook_secret=SECRET,
    )
    application = build_app(settings)
    await application.create_schema()
    announcement = await open_announcement(application, TODAY)
    transport = create_transport(application)

    async with served(create_webhook_app(application, transport)) as client:

        async def deliver(update: dict[str, Any]) -> int:
            response = await post(client, update)
            response.release()
            return response.status

        yield Served(application, Candidate(fake_api, deliver, USER), form_steps(USER, announcement.id or 0))
    await transport.close()
    await application.close()
    assert_valid(fake_api.calls)


async def deliver_at_once(candidate: Candidate, updates: list[dict[str, Any]]) -> list[int]:
    """POST the updates concurrently; their HTTP statuses."""
    return list(await asyncio.gather(*(candidate.post(update) for update in updates)))


async def pledges(app: App) -> int:
    """How many pledge acceptances are stored."""
    async with app.sessions() as session:
        return len((await session.exec(select(PledgeAcceptance))).all())


@pytest.mark.parametrize("at_once", [False, True], ids=["one-after-the-other", "at-once"])
async def test_the_same_update_delivered_again_is_answered_and_applied_once(webhook: Served, at_once: bool) -> None:
    candidate, pledge = webhook.candidate, webhook.step("pledge")
    for step in webhook.until("pledge"):
        await candidate.answer(step)
    since = len(candidate.api.calls)
    if at_once:
        statuses = await deliver_at_once(candidate, [pledge.update] * 3)
    else:
        statuses = [await candidate.post(pledge.update) for _ in range(3)]
    candidate.collect(pledge, since)
    assert statuses == [200, 200, 200]
    receipts = [c for c in candidate.replies[pledge.update_id] if "申请编号：SQ" in str(c.params.get("text"))]
    assert len(receipts) == 1 and len(candidate.replies[pledge.update_id]) == 1
    assert len(candidate.api.calls_of("answerCallbackQuery")) == sum(1 for s in webhook.steps if s.button)
    candidate.assert_answered_once(webhook.steps)
    assert_submitted(webhook.app, await applications(webhook.app, USER))
    assert await pledges(webhook.app) == 1


def document(user: int, n: int) -> dict[str, Any]:
    """A PDF upload with its own file ids."""
    doc = {"file_id": f"BQAC-doc-{n}", "file_unique_id": f"doc-u{n}", "file_name": f"proof-{n}.pdf", "mime_type": "application/pdf",
           "file_size": 100_000}
    return u.message(user, document=doc)


async def test_two_updates_of_one_user_at_once_are_both_applied_once(webhook: Served) -> None:
    candidate = webhook.candidate
    for step in webhook.until("documents"):
        await candidate.answer(step)
    _, _, version = await draft(webhook.app, USER)
    uploads = [Step(f"document {n}", document(USER, n), "已收到第") for n in (1, 2)]
    since = len(candidate.api.calls)
    assert await deliver_at_once(candidate, [s.update for s in uploads]) == [200, 200]
    counts = sorted(int(m.group(1)) for c in candidate.sent_since(since) if (m := RECEIVED.search(str(c.params.get("text", "")))))
    assert counts == [1, 2], counts  # one upload saw the other: neither lost, none counted twice
    step_name, values, after = await draft(webhook.app, USER)
    assert step_name == "documents" and after == version + 2
    assert sorted(d["file_unique_id"] for d in values["documents"]) == ["doc-u1", "doc-u2"]

    since = len(candidate.api.calls)
    assert await deliver_at_once(candidate, [s.update for s in uploads] * 2) == [200] * 4  # Telegram redelivers both
    assert candidate.sent_since(since) == [] and (await draft(webhook.app, USER))[2] == after

    for step in webhook.steps[step_index(webhook.steps, "done") :]:
        await candidate.answer(step)
    (stored,) = await applications(webhook.app, USER)
    assert sorted(d["file_unique_id"] for d in stored.documents) == ["doc-u1", "doc-u2"]
