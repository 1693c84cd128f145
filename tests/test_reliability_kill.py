"""The real bot process (`skillbot webhook`) SIGKILLed in the middle of an application form and restarted: nothing lost,
nothing doubled. Starts cost seconds (aiogram builds its models on import), so the tests restart sparingly: aiogram (the
default) between and during updates, PTB before a commit; duplicates and concurrency: test_reliability_redelivery.py."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import App, build_app
from bot.runmodes import upgrade_database
from bot.settings import Framework
from tests.conftest import make_settings
from tests.support.apply_form import (
    form_api,
    TODAY,
    Candidate,
    Step,
    applications,
    assert_submitted,
    draft,
    form_steps,
    step_index,
)
from tests.support.bot_process import BotProcess, GatedBotApi, Hold
from tests.support.catalog import open_announcement
from tests.support.pg import temporary_database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL needs POSIX")

USER = 710001
IN_FLIGHT_TIMEOUT = 30.0


@pytest.fixture
def migratable_url(tmp_path: Path) -> Iterator[str]:
    """An empty store the bot migrates like production: a SQLite file, or a new PostgreSQL database when SKILLBOT_TEST_DB=postgres."""
    if os.environ.get("SKILLBOT_TEST_DB", "sqlite") == "postgres":
        with temporary_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture
async def store(tmp_path: Path, migratable_url: str) -> AsyncIterator[App]:
    """The store migrated like production (`skillbot db upgrade`), seen from the test process with the bot's data key."""
    application = build_app(make_settings(tmp_path, database_url=migratable_url))
    await upgrade_database(application)
    yield application
    await application.close()


@pytest.fixture
async def api() -> AsyncIterator[GatedBotApi]:
    """The loopback Bot API emulator, able to withhold an answer."""
    async with form_api() as emulator:
        yield emulator


async def kill_in_flight(bot: BotProcess, candidate: Candidate, step: Step, hold: Hold) -> None:
    """POST the step, SIGKILL the bot once the withheld Bot API call arrives; the webhook request must fail."""
    since = len(candidate.api.calls)
    request = asyncio.create_task(bot.post(step.update))
    waiter = asyncio.create_task(hold.reached.wait())
    done, _ = await asyncio.wait({request, waiter}, timeout=IN_FLIGHT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    assert waiter in done, f"{step.name}: the withheld {hold.method} never came:\n{bot.log_tail()}"
    bot.kill()
    with pytest.raises(aiohttp.ClientError):
        await asyncio.wait_for(request, IN_FLIGHT_TIMEOUT)
    candidate.collect(step, since)


async def started(tmp_path: Path, url: str, api: GatedBotApi, store: App, framework: Framework) -> tuple[BotProcess, Candidate, list[Step]]:
    """The bot process started on the seeded store, and a candidate about to fill in the form."""
    announcement = await open_announcement(store, TODAY)
    bot = BotProcess(tmp_path, url, api.base_url, BOT_FRAMEWORK=framework.value)
    await bot.start()
    return bot, Candidate(api, bot.post, USER), form_steps(USER, announcement.id or 0)


async def finish(candidate: Candidate, steps: list[Step], store: App) -> None:
    """Every update answered exactly as often as it should, the application stored with every field, the draft gone."""
    summary = str(candidate.replies[steps[step_index(steps, "done")].update_id][-1].params["text"])
    assert "张三" in summary and "138****8000" in summary and "维修电工" in summary
    candidate.assert_answered_once(steps)
    assert_submitted(store, await applications(store, USER))
    assert (await draft(store, USER))[0] is None


async def test_sigkill_after_an_answer_and_with_a_reply_in_flight_loses_and_doubles_nothing(
    tmp_path: Path, migratable_url: str, store: App, api: GatedBotApi
) -> None:
    bot, candidate, steps = await started(tmp_path, migratable_url, api, store, Framework.AIOGRAM)  # the production default
    at = {s.name: i for i, s in enumerate(steps)}
    try:
        for step in steps[: at["name"] + 1]:
            await candidate.answer(step)

        # killed right after an answered update: the draft is kept and the form goes on at the next step
        bot.kill()
        await bot.start()
        step_name, values, _ = await draft(store, USER)
        assert step_name == "id_type" and values["name"] == "张三" and values["level"] == "4"
        await candidate.redeliver(steps[at["name"]])  # a late duplicate of an answered update changes nothing
        for step in steps[at["name"] + 1 : at["post"]]:
            await candidate.answer(step)

        # killed after the update committed, while its reply was on its way: Telegram redelivers, nothing is redone
        await kill_in_flight(bot, candidate, steps[at["post"]], api.hold("sendMessage", chat_id=USER))
        await bot.start()
        assert (await draft(store, USER))[0] == "years"
        await candidate.redeliver(steps[at["post"]])
        for step in steps[at["years"] :]:
            await candidate.answer(step)
    finally:
        bot.kill()
    await finish(candidate, steps, store)


async def test_sigkill_before_the_update_committed_then_the_redelivery_is_processed(
    tmp_path: Path, migratable_url: str, store: App, api: GatedBotApi
) -> None:
    bot, candidate, steps = await started(tmp_path, migratable_url, api, store, Framework.PTB)  # the quicker start; same intake
    at = {s.name: i for i, s in enumerate(steps)}
    try:
        for step in steps[: at["photo"]]:
            await candidate.answer(step)
        # killed while the photo is downloaded for inspection, inside the update's unit of work, before its commit
        await kill_in_flight(bot, candidate, steps[at["photo"]], api.hold("getFile"))
        await bot.start()
        assert (await draft(store, USER))[0] == "photo", "a killed update must not have changed the draft"
        await candidate.answer(steps[at["photo"]])  # Telegram redelivers the photo: processed now …
        await candidate.redeliver(steps[at["photo"]])  # … and once only
        for step in steps[at["photo"] + 1 :]:
            await candidate.answer(step)
    finally:
        bot.kill()
    await finish(candidate, steps, store)
