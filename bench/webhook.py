"""Webhook throughput and latency: skillbot's real webhook server fed Update JSON over loopback, vs a bare echo bot."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.machine import describe
from bench.webhook_load import Request, fire, match
from bench.webhook_seed import seed, stores
from bench.webhook_workers import PATH, SECRET, BotSpec, Worker, bot_main, emulator_main
from bot.data import demo_catalog as data
from tests.support import updates as u
from tests.support.webhook import free_port

FRAMEWORKS = ("aiogram", "ptb")
BOTS = ("echo", "skillbot")  # the baseline first, then the bot under test, per framework
SCENARIOS = ("start", "cert")
FIRST_USER = 5_100_000_000
START_REPLY = "/cert"  # the /start menu text lists the certificate query command
REPLY_WAIT = 10.0  # seconds to wait for replies sent after the HTTP answer (none expected: both answer after sending)


@dataclass(frozen=True)
class Row:
    """Figures of one bot on one scenario."""

    framework: str
    bot: str
    scenario: str
    requests: int
    rate: float
    p50: float
    p95: float
    p99: float
    failed: int
    matched: int
    extra: int
    last_reply_ms: float | None  # the last matched reply's arrival at the emulator, relative to the last HTTP answer
    cpu_ms: float  # CPU of the bot's process per request
    rig_ms: float  # CPU of the load generator and the emulator per request
    load: str


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_options(argv: list[str]) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(prog="python -m bench webhook", description=__doc__)
    parser.add_argument("--framework", choices=(*FRAMEWORKS, "both"), default="both", help="transport (default both)")
    parser.add_argument("--requests", type=_positive, default=500, help="measured requests per bot and scenario (default 500)")
    parser.add_argument("--concurrency", type=_positive, default=40, help="requests in flight, Telegram's default max_connections (40)")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests before each measurement (default 100)")
    parser.add_argument("--users", type=_positive, default=100, help="distinct users sending the requests in turn (default 100)")
    parser.add_argument("--certificates", type=_positive, default=10_000, help="certificates seeded for /cert (default 10000)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="store (postgres: SKILLBOT_TEST_PG_URL)")
    parser.add_argument("--seed", type=int, default=data.SEED, help="seed of the certificates and of the queries")
    return parser.parse_args(argv)


def _query(cert: data.DemoCertificate, turn: int) -> str:
    """Two values of a certificate, the three pair kinds (K3) in turn: number + name, number + ID, name + ID."""
    return (f"{cert.number} {cert.holder_name}", f"{cert.number} {cert.id_number}", f"{cert.holder_name} {cert.id_number}")[turn % 3]


def requests_for(scenario: str, bot: str, count: int, users: int, items: Sequence[data.DemoCertificate], seed: int) -> list[Request]:
    """Real Update JSON (tests/support/updates.py), distinct update ids, users in turn; the text each reply must hold."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        user = FIRST_USER + i % users
        if scenario == "start":
            update, expect = u.command(user, "start"), START_REPLY
        else:
            cert = items[rng.randrange(len(items))]
            update, expect = u.command(user, "cert", _query(cert, i)), cert.number
        if bot == "echo":
            expect = update["message"]["text"]
        out.append(Request(json.dumps(update).encode(), user, expect))
    return out


def _load() -> str:
    """The 1/5/15-minute load averages, as `uptime` shows them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _replies(emulator: Worker, requests: list[Request]) -> tuple[int, int, float | None]:
    """Match replies at the emulator; waits up to REPLY_WAIT for late ones."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_WAIT
    while True:
        delivery = match(requests, await emulator.call("replies"))
        if delivery.matched == len(requests) or loop.time() > deadline:
            return delivery.matched, delivery.extra, delivery.last
        await asyncio.sleep(0.2)


async def measure(spec: BotSpec, scenario: str, options: argparse.Namespace, items: Sequence[data.DemoCertificate],
                  emulator: Worker, bots: Worker) -> Row:
    """Warm up, then fire the measured requests and check every one got its reply."""
    url = f"http://127.0.0.1:{spec.port}{PATH}"
    warm = requests_for(scenario, spec.bot, options.warmup, options.users, items, options.seed + 1)
    measured = requests_for(scenario, spec.bot, options.requests, options.users, items, options.seed)
    if warm:
        await fire(url, SECRET, warm, options.concurrency)
        await _replies(emulator, warm)
    await emulator.call("clear")
    cpu, rig = await bots.call("cpu"), time.process_time() + await emulator.call("cpu")
    load = await fire(url, SECRET, measured, options.concurrency)
    cpu, rig = await bots.call("cpu") - cpu, time.process_time() + await emulator.call("cpu") - rig
    matched, extra, last = await _replies(emulator, measured)
    timing = load.timing
    return Row(
        spec.framework, spec.bot, scenario, len(measured), timing.wall_rate, timing.percentile_ms(0.5), timing.percentile_ms(0.95),
        timing.percentile_ms(0.99), load.failed, matched, extra, None if last is None else (last - load.finished) * 1000,
        cpu * 1000 / len(measured), rig * 1000 / len(measured), _load(),
    )


async def _bot_rows(spec: BotSpec, options: argparse.Namespace, items: Sequence[data.DemoCertificate], emulator: Worker,
                    bots: Worker) -> list[Row]:
    await bots.call("serve", spec)
    try:
        return [await measure(spec, scenario, options, items, emulator, bots) for scenario in SCENARIOS]
    finally:
        await bots.call("stop")


async def run(options: argparse.Namespace, folder: Path) -> list[Row]:
    """Every framework × bot × scenario; skillbot on a fresh copy of the seeded store per framework."""
    items = data.generate_certificates(options.certificates, options.seed)
    frameworks = FRAMEWORKS if options.framework == "both" else (options.framework,)
    emulator, bots = Worker(emulator_main), Worker(bot_main, str(folder / "bot.log"), frameworks)
    rows: list[Row] = []
    try:
        with stores(options.db, folder) as (seed_url, fresh):
            await seed(seed_url, folder / "data", items)  # while the children start
            api_base = await emulator.ready()
            await bots.ready()
            for framework in frameworks:
                for bot in BOTS:
                    url = fresh(framework) if bot == "skillbot" else ""
                    spec = BotSpec(bot, framework, api_base, free_port(), url, str(folder / "data"))
                    rows += await _bot_rows(spec, options, items, emulator, bots)
    finally:
        emulator.close()
        bots.close()
    return rows


def _ratio(row: Row, rows: list[Row]) -> str:
    """skillbot/echo for throughput, p50 and p99 of the same framework and scenario."""
    base = next((r for r in rows if (r.framework, r.scenario, r.bot) == (row.framework, row.scenario, "echo")), None)
    if row.bot != "skillbot" or base is None:
        return ""
    return f"{row.rate / base.rate:.2f}x / {row.p50 / base.p50:.1f}x / {row.p99 / base.p99:.1f}x"


def report(rows: list[Row], options: argparse.Namespace) -> None:
    """The machine, the set-up and the table."""
    print(f"machine: {describe()}")
    print(f"store: {options.db}, {options.certificates} certificates; {options.requests} measured requests per row after "
          f"{options.warmup} warm-up, {options.concurrency} in flight on keep-alive connections, {options.users} users in turn")
    print("scenarios: start = /start; cert = /cert A B (number+name, number+ID, name+ID in turn, all found)")
    print(f"  {'framework':<9} {'bot':<9} {'scen.':<6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'rig ms':>6}"
          f" {'replies':>11} {'non-200':>7} {'last':>7}  {'ratio req/s / p50 / p99':<25} load 1/5/15")
    for r in rows:
        last = f"{r.last_reply_ms:+.0f}" if r.last_reply_ms is not None else "-"
        replies = f"{r.matched}/{r.requests}" + (f"+{r.extra}" if r.extra else "")
        print(f"  {r.framework:<9} {r.bot:<9} {r.scenario:<6} {r.rate:>8.1f} {r.p50:>8.1f} {r.p95:>8.1f} {r.p99:>8.1f}"
              f" {r.cpu_ms:>7.2f} {r.rig_ms:>6.2f} {replies:>11} {r.failed:>7} {last:>7}  {_ratio(r, rows):<25} {r.load}")
    print("CPU ms = CPU time of the bot's process per request; rig ms = the same of the load generator and the emulator; last = ms from the last HTTP answer to the last reply at "
          "the emulator (negative: sent before the answer); ratio = skillbot / echo of the same framework and scenario")


def complete(rows: list[Row]) -> bool:
    """Every request answered 200 and every reply delivered."""
    return all(r.failed == 0 and r.matched == r.requests for r in rows)


def log_problems(log_file: Path) -> list[str]:
    """WARNING and ERROR lines the bots' process logged."""
    if not log_file.exists():
        return []
    return [line for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines() if " WARNING " in line or " ERROR " in line]


def main(argv: list[str]) -> int:
    """Run the webhook benchmark and print the figures."""
    options = parse_options(argv)
    with tempfile.TemporaryDirectory(prefix="skillbot-bench-") as folder:
        rows = asyncio.run(run(options, Path(folder)))
        problems = log_problems(Path(folder) / "bot.log")
    report(rows, options)
    print(f"bot log: {len(problems)} warning/error line(s)" + "".join(f"\n  {line}" for line in problems[:5]))
    ok = complete(rows)
    print("every request answered 200 and replied to" if ok else "REQUESTS FAILED OR REPLIES MISSING")
    return 0 if ok else 1
