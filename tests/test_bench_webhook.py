"""`bench webhook` end to end with tiny numbers: every request answered 200 and replied to (correctness, never speed)."""

from __future__ import annotations

from pathlib import Path

from bench import webhook


async def test_webhook_bench_answers_and_replies_to_every_request(tmp_path: Path) -> None:
    options = webhook.parse_options(["--requests", "20", "--warmup", "0", "--concurrency", "5", "--users", "10", "--certificates", "50"])
    rows = await webhook.run(options, tmp_path)
    assert {(r.framework, r.bot, r.scenario) for r in rows} == {
        (f, b, s) for f in webhook.FRAMEWORKS for b in webhook.BOTS for s in webhook.SCENARIOS
    }
    for row in rows:
        assert (row.requests, row.failed, row.matched, row.extra) == (20, 0, 20, 0), row
    assert webhook.complete(rows)
    assert webhook.log_problems(tmp_path / "bot.log") == []
