"""PostgreSQL stopped and started again under the real webhook server: updates are refused with 503 while it is down
(Telegram redelivers them), then processed exactly once, and the application form goes on without losing anything.

Runs on a private cluster in a temporary folder (never the shared SKILLBOT_TEST_PG_URL server); skipped only when no
PostgreSQL server binaries are installed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.webhook import create_webhook_app
from handlers.registry import create_transport
from tests.conftest import TEST_TOKEN, TRANSPORTS, make_settings
from tests.support.apply_form import form_api, TODAY, Candidate, Step, applications, assert_submitted, draft, form_steps, step_index
from tests.support.bot_process import GatedBotApi
from tests.support.catalog import open_announcement
from tests.support.pg import create_database
from tests.support.pg_cluster import PgCluster, find_bindir, missing
from tests.support.webhook import SECRET, post, served

pytestmark = pytest.mark.postgres

USER = 730001
IN_FLIGHT_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster this module may stop and start."""
    reason, bindir = missing(), find_bindir()
    if reason is not None or bindir is None:
        pytest.skip(reason or "no PostgreSQL server binaries")
    with PgCluster(bindir) as running:
        yield running


@dataclass
class Served:
    """The app behind a real webhook server on the private cluster, a candidate posting to it, the form script."""

    app: App
    client: Any
    candidate: Candidate
    steps: list[Step]

    def at(self, name: str) -> int:
        """Position of the step called `name`."""
        return step_index(self.steps, name)

    async def health(self) -> int:
        """The status of GET /healthz."""
        response = await self.client.get("/healthz")
        response.release()
        return int(response.status)


@pytest.fixture
async def api() -> AsyncIterator[GatedBotApi]:
    """The loopback Bot API emulator, able to withhold an answer."""
    async with form_api() as emulator:
        yield emulator


@pytest.fixture(params=TRANSPORTS, ids=lambda f: f.value)
async def webhook(request: pytest.FixtureRequest, tmp_path: Path, cluster: PgCluster, api: GatedBotApi) -> AsyncIterator[Served]:
    """A fresh database on the running cluster, the webhook server with a production transport, an open announcement."""
    if not cluster.running():  # an earlier test failed while the server was down
        cluster.start()
    url = create_database(cluster.url)
    settings = make_settings(
        tmp_path, database_url=url, telegram_bot_token=TEST_TOKEN, telegram_api_base=api.base_url,
        bot_framework=request.param, webhook_secret=SECRET,
    )
    application = build_app(settings)
    await application.create_schema()
    announcement = await open_announcement(application, TODAY)
    transport = create_transport(application)
    try:
        async with served(create_webhook_app(application, transport, health_timeout=5.0)) as client:

            async def deliver(update: dict[str, Any]) -> int:
                response = await post(client, update)
                response.release()
                return response.status

            yield Served(application, client, Candidate(api, deliver, USER), form_steps(USER, announcement.id or 0))
    finally:
        await transport.close()
        await application.close()
        if not cluster.running():
            cluster.start()


async def refused_while_down(served_: Served, step: Step) -> None:
    """Telegram delivers the update while the database is down: 503 each time, nothing sent to the user."""
    for _ in range(2):  # Telegram retries; still down
        status, replies = await served_.candidate.deliver(step)
        assert status == 503 and replies == [], (status, replies)


async def test_database_down_then_up_updates_are_refused_then_processed_once(webhook: Served, cluster: PgCluster) -> None:
    candidate, steps = webhook.candidate, webhook.steps
    for step in steps[: webhook.at("name") + 1]:
        await candidate.answer(step)

    cluster.stop()
    assert await webhook.health() == 503
    await refused_while_down(webhook, steps[webhook.at("id_type")])

    cluster.start()
    assert await webhook.health() == 200
    step_name, values, _ = await draft(webhook.app, USER)
    assert step_name == "id_type" and values["name"] == "张三"
    for step in steps[webhook.at("id_type") :]:  # the redelivery of the refused update first, then the rest of the form
        await candidate.answer(step)
    await candidate.redeliver(steps[webhook.at("id_type")])
    candidate.assert_answered_once(steps)
    assert_submitted(webhook.app, await applications(webhook.app, USER))


async def test_database_lost_in_the_middle_of_an_update_then_its_redelivery_is_processed(
    webhook: Served, cluster: PgCluster, api: GatedBotApi
) -> None:
    candidate, steps = webhook.candidate, webhook.steps
    for step in steps[: webhook.at("photo")]:
        await candidate.answer(step)
    photo = steps[webhook.at("photo")]
    hold = api.hold("getFile")  # the photo is being downloaded for inspection inside the update's unit of work
    since = len(api.calls)
    request = asyncio.create_task(candidate.post(photo.update))
    await asyncio.wait_for(hold.reached.wait(), IN_FLIGHT_TIMEOUT)
    cluster.stop()
    hold.release.set()
    assert await asyncio.wait_for(request, IN_FLIGHT_TIMEOUT) == 503
    assert candidate.collect(photo, since) == []

    cluster.start()
    assert await webhook.health() == 200
    await candidate.answer(photo)  # Telegram redelivers the photo: processed now …
    await candidate.redeliver(photo)  # … and once only
    for step in steps[webhook.at("photo") + 1 :]:
        await candidate.answer(step)
    candidate.assert_answered_once(steps)
    assert_submitted(webhook.app, await applications(webhook.app, USER))

