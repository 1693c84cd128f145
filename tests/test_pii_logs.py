"""Personal data never reaches the logs: the main scenarios end to end with every logger at DEBUG, scanned for ID numbers
and phone numbers in every spelling (full, lower-case x, spaced, full-width, +86).

Every library logger is forced to DEBUG, SQL statements and their parameters included: whatever the store is sent
must carry ciphertext and keyed hashes only, and the bot's own loggers must stay clean at any level. Library loggers
that print request and update bodies at DEBUG may show the input; the production configuration (`configure_logging`)
must hold each of them above the level they print it at.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot import cli
from bot.cli import main as cli_main
from bot.data.demo_catalog import generate_certificates
from bot.logs import configure_logging
from bot.pii import PiiCipher
from bot.rules.id_numbers import check_char, make_resident_id
from bot.services import usecases
from flows.events import Event
from handlers.base import TemporaryFailure
from tests import test_scenarios_apply as apply_scenarios
from tests import test_scenarios_cert_admin as cert_admin_scenarios
from tests import test_scenarios_cert_import as cert_import_scenarios
from tests import test_scenarios_certificates as cert_scenarios
from tests import test_scenarios_incidents as incident_scenarios
from tests import test_scenarios_review as review_scenarios
from tests.conftest import TEST_DATA_KEY, Harness
from tests.support import applications
from tests.support.cli_env import migrated_workdir, with_app
from tests.support import updates as u
from tests.test_cert_roster import resident_id, roster_xlsx, row, seed_scope

OWN_CODE = ("bot", "handlers", "storage", "flows", "skillbot")  # the bot's loggers: clean at every level
STORE_LOGGERS = ("sqlalchemy", "aiosqlite", "psycopg")  # what the store is sent: ciphertext and keyed hashes only
LIBRARIES = ("aiogram", "telegram", "httpx", "httpcore", "aiohttp", "asyncio", "apscheduler", "alembic", *STORE_LOGGERS)
USER = 680001
ID_NUMBER = make_resident_id("360102", date(1991, 7, 9), 517)  # check character X
PHONE = "13912345678"
OLD_STYLE_ID = "110105491231002"  # a 15-digit 居民身份证 number the apply scenario types
SPELLINGS_OF = (
    lambda v: v, lambda v: v.lower(), lambda v: " ".join([v[:6], v[6:14], v[14:]]) if len(v) == 18 else f"{v[:3]} {v[3:7]} {v[7:]}",
    lambda v: v.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}), lambda v: "-".join([v[:3], v[3:7], v[7:]]),
)
_SQUEEZE = re.compile(r"[\s\-–—_.·'\"]+")
_ANY_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx])(?![0-9A-Za-z])")
_ANY_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def squeeze(text: str) -> str:
    """Text with full-width forms folded, spacing and separators removed, upper-cased: every spelling looks alike."""
    return _SQUEEZE.sub("", unicodedata.normalize("NFKC", text)).upper()


def _collect(value: Any, out: set[str], depth: int = 0) -> None:
    """ID numbers and mobile numbers anywhere in a test module's constants (nested containers and dataclasses too)."""
    if depth > 4:
        return
    if isinstance(value, str):
        squeezed = squeeze(value)
        if re.fullmatch(r"\d{17}[\dX]", squeezed) and check_char(squeezed[:17]) == squeezed[17]:
            out.add(squeezed)
        if re.fullmatch(r"(?:\+?86)?1[3-9]\d{9}", squeezed.lstrip("+")):
            out.add(squeezed[-11:])
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, out, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, out, depth + 1)
    elif hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        for name in value.__dataclass_fields__:
            _collect(getattr(value, name), out, depth + 1)


def personal_data(*modules: ModuleType) -> frozenset[str]:
    """Every test ID number and phone the scenarios type, store or import (squeezed)."""
    found: set[str] = set()
    for module in modules:
        for name, value in vars(module).items():
            if not name.startswith("__") and not isinstance(value, ModuleType):
                _collect(value, found)
    _collect([c.id_number for c in generate_certificates()], found)
    _collect([resident_id(n) for n in range(1, 60)], found)
    _collect([ID_NUMBER, PHONE, applications.ID_NUMBER, applications.MOBILE], found)
    return frozenset(found | {OLD_STYLE_ID})


def needles(known: frozenset[str]) -> dict[int, frozenset[str]]:
    """What to look for, by length: an 18-character ID by its first 17 digits (a mistyped check character is still it)."""
    found: dict[int, set[str]] = {}
    for value in known:
        key = value[:17] if len(value) == 18 else value
        found.setdefault(len(key), set()).add(key)
    return {size: frozenset(keys) for size, keys in found.items()}


SCENARIO_MODULES = (apply_scenarios, review_scenarios, cert_scenarios, cert_import_scenarios, cert_admin_scenarios, incident_scenarios)
KNOWN = personal_data(*SCENARIO_MODULES, sys.modules[__name__])
NEEDLES = needles(KNOWN)
WINDOWS = {size: re.compile(rf"(?=(\d{{{size}}}))") for size in NEEDLES}


@dataclass(frozen=True)
class Entry:
    """One log record as the configured handler would write it (traceback included), plus any extra fields."""

    logger: str
    level: int
    text: str


def _format(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    """The record as a handler writes it, with any extra fields a structured formatter would add."""
    try:
        text = formatter.format(record)
    except Exception:  # a record whose arguments do not fit its message is still scanned
        text = f"{record.msg!r} {record.args!r}"
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    return f"{text} {extras!r}" if extras else text


def leaks(text: str) -> list[str]:
    """Personal data in a text: any known test value in any spelling, or anything shaped like an ID or mobile number."""
    squeezed = squeeze(text)
    found = {m for size, window in WINDOWS.items() for m in window.findall(squeezed) if m in NEEDLES[size]}
    plain = unicodedata.normalize("NFKC", text)
    found |= {m.upper() for m in _ANY_RESIDENT_ID.findall(plain) if check_char(m[:17]) == m[17].upper()}
    found |= set(_ANY_MOBILE.findall(plain))
    return sorted(found)


@dataclass
class Captured:
    """Everything logged while a scenario ran, and the levels the production configuration sets."""

    configured: dict[str, int]
    root_level: int
    entries: list[Entry] = field(default_factory=list)

    def configured_level(self, name: str) -> int:
        """The level `configure_logging` gives a logger (its own, else its nearest configured parent's)."""
        while name:
            level = self.configured.get(name, logging.NOTSET)
            if level != logging.NOTSET:
                return level
            name = name.rpartition(".")[0]
        return self.root_level

    def assert_clean(self) -> None:
        """No personal data from the bot or the store at any level, nor from anyone at the levels production shows."""
        own = [(e.logger, found) for e in self.entries if _under(e.logger, OWN_CODE + STORE_LOGGERS) for found in leaks(e.text)]
        assert not own, f"the bot or the store logged personal data: {own[:5]}"
        shown = [(e.logger, found) for e in self.entries if e.level >= self.configured_level(e.logger) for found in leaks(e.text)]
        assert not shown, f"personal data reaches the logs as configured: {shown[:5]}"


class _Keep(logging.Handler):
    """Keeps every record formatted like the application's stream handler formats it."""

    def __init__(self, captured: Captured) -> None:
        super().__init__(logging.DEBUG)
        self.captured = captured
        self.formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        """Format at once (arguments may change later)."""
        assert self.formatter is not None
        self.captured.entries.append(Entry(record.name, record.levelno, _format(self.formatter, record)))


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    """True when the logger is one of `prefixes` or below one."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _loggers() -> dict[str, logging.Logger]:
    """Every logger created so far, by name."""
    return {n: lg for n, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)}


def _everything_at_debug() -> None:
    """Root and every logger created so far at DEBUG (SQLAlchemy then logs statements, parameters and rows)."""
    logging.root.setLevel(logging.DEBUG)
    for lg in _loggers().values():
        lg.setLevel(logging.DEBUG)


@pytest.fixture
def logs() -> Iterator[Captured]:
    """The production logging setup recorded, then every logger (SQL echo included) at DEBUG into one handler."""
    for name in LIBRARIES + OWN_CODE:
        logging.getLogger(name)
    saved = {n: (lg.level, lg.disabled, lg.propagate) for n, lg in _loggers().items()}
    root_level, root_handlers = logging.root.level, list(logging.root.handlers)
    configure_logging("DEBUG")
    added = [h for h in logging.root.handlers if h not in root_handlers]  # basicConfig's stream handler, if it made one
    captured = Captured({n: lg.level for n, lg in _loggers().items()}, logging.root.level)
    handler = _Keep(captured)
    _everything_at_debug()
    for lg in _loggers().values():
        lg.disabled = False
    logging.root.addHandler(handler)
    cut_off = [lg for lg in _loggers().values() if not lg.propagate]
    for lg in cut_off:
        lg.addHandler(handler)
    try:
        yield captured
    finally:
        for lg in cut_off:
            lg.removeHandler(handler)
        for extra in (handler, *added):
            logging.root.removeHandler(extra)
        logging.root.setLevel(root_level)
        for name, lg in _loggers().items():
            level, lg.disabled, lg.propagate = saved.get(name, (logging.NOTSET, False, True))
            lg.setLevel(level)


async def _profile(harness: Harness) -> None:
    """The profile with a shared contact, then the mobile edited as typed with spaces, then /whoami."""
    for update in (u.command(USER, "profile"), u.message(USER, "王小明"), u.contact(USER, PHONE), u.callback(USER, "fm:e:mobile"),
                   u.message(USER, f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"), u.callback(USER, "fm:ok"), u.command(USER, "whoami")):
        await harness.feed(update)
    assert "139****5678" in harness.last_text()


async def _id_everywhere(harness: Harness) -> None:
    """An ID number typed where it is not expected, as a command argument, as a /cert query and as a deep link."""
    for update in (u.message(USER, ID_NUMBER), u.message(USER, ID_NUMBER.lower()), u.command(USER, "cert", f"王小明 {ID_NUMBER}"),
                   u.command(USER, "zz", ID_NUMBER), u.command(USER, "start", f"tk_{ID_NUMBER}"), u.contact(USER, PHONE, own=False)):
        await harness.feed(update)
    assert harness.texts()


def assert_store_saw_hashes(logs: Captured, lookup_hash: Callable[[str], str | None]) -> None:
    """SQL parameters were captured: the store was sent the keyed hash of a test value (and, per the scan, never the value)."""
    sql = "\n".join(e.text for e in logs.entries if _under(e.logger, STORE_LOGGERS))
    assert any((lookup_hash(value) or "") in sql for value in KNOWN), "no SQL parameters were captured"


Scenario = Callable[[Harness], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {
    "profile": _profile,
    "id_anywhere": _id_everywhere,
    "apply": apply_scenarios.test_full_application_with_pledge_and_receipt,
    "apply_bad_ids": apply_scenarios.test_bad_id_numbers_are_explained_and_nothing_is_lost,
    "review_supplement_fix": review_scenarios.test_supplement_then_my_then_fix_and_resubmit,
    "review_export": review_scenarios.test_export_sends_the_full_roster_as_xlsx,
    "cert_query": cert_scenarios.test_one_shot_in_both_orders_with_full_width_input_and_lower_case_x,
    "cert_query_conversation": cert_scenarios.test_conversational_query_name_then_number,
    "cert_qr": cert_scenarios.test_certificate_qr_verification,
    "cert_import": cert_import_scenarios.test_staff_check_then_confirm_an_xlsx_roster,
    "cert_correction": cert_admin_scenarios.test_card_correct_name_then_id_then_revoke,
    "ticket_issue_scan_incident": incident_scenarios.test_a_scanned_ticket_answers_the_waiting_report_and_otherwise_is_a_plain_scan,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_scenario_logs_no_personal_data(harness: Harness, logs: Captured, scenario: str) -> None:
    await SCENARIOS[scenario](harness)
    assert_store_saw_hashes(logs, harness.app.cipher.lookup_hash)
    logs.assert_clean()


def _failing(exc: Exception) -> Callable[..., Awaitable[Any]]:
    """A stand-in for the input use case that always raises `exc`."""
    async def user_input(turn: Any, event: Event, *args: Any) -> Any:
        raise exc

    return user_input


@pytest.mark.parametrize("transient", [False, True], ids=["crash", "store_down"])
async def test_a_failing_update_logs_no_body_message_or_parameters(
    harness: Harness, logs: Captured, monkeypatch: pytest.MonkeyPatch, transient: bool
) -> None:
    detail = f"cannot take {ID_NUMBER} / {PHONE}"
    exc: Exception = ValueError(detail)
    if transient:  # a store outage whose statement, parameters and driver message all carry the input
        exc = OperationalError(f"SELECT 1 WHERE x = '{ID_NUMBER}'", {"phone": PHONE}, Exception(detail))
    monkeypatch.setattr(usecases, "user_input", _failing(exc))
    for update in (u.message(USER, ID_NUMBER), u.contact(USER, PHONE)):
        if transient:
            with pytest.raises(TemporaryFailure):
                await harness.feed(update)
        else:
            await harness.feed(update)
    failures = [e for e in logs.entries if e.level >= logging.WARNING and _under(e.logger, OWN_CODE)]
    assert failures and all(type(exc).__name__ in e.text for e in failures), "the failure was not logged"
    if not transient:
        assert harness.texts(), "no apology was sent"
    logs.assert_clean()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated store with the test school, for the command line at LOG_LEVEL=DEBUG."""
    migrated_workdir(tmp_path, monkeypatch)
    with_app(lambda app, _session: seed_scope(app))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    return tmp_path


def test_command_line_import_and_export_log_no_personal_data(
    workdir: Path, logs: Captured, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda level: (configure_logging(level), _everything_at_debug()))
    good, bad = workdir / "roster.xlsx", workdir / "bad.xlsx"
    good.write_bytes(roster_xlsx([row(1), row(2), row(3)]))
    bad.write_bytes(roster_xlsx([row(4), row(5, id_number=resident_id(5)[:-1] + "0"), row(1, name="李四")]))
    assert cli_main(["import-certificates", str(good)]) == 0
    assert cli_main(["import-certificates", str(bad)]) != 0
    assert cli_main(["export", "certificates", "--out", str(workdir / "out.xlsx")]) == 0
    (workdir / "broken.xlsx").write_bytes(b"PK\x03\x04" + ID_NUMBER.encode())
    assert cli_main(["import-certificates", str(workdir / "broken.xlsx")]) != 0
    assert_store_saw_hashes(logs, PiiCipher(TEST_DATA_KEY).lookup_hash)
    logs.assert_clean()
    assert not leaks(capsys.readouterr().err), "personal data on stderr (where the logs go)"


def test_the_scan_finds_personal_data_in_every_spelling(logs: Captured) -> None:
    spoken = logging.getLogger("bot.pii_probe")
    for spell in SPELLINGS_OF:
        for value in (ID_NUMBER, PHONE, applications.ID_NUMBER):
            before = len(logs.entries)
            spoken.info("typed %s", spell(value))
            assert leaks(logs.entries[before].text), f"missed {spell(value)!r}"
    unknown_id, unknown_phone = make_resident_id("110101", date(2001, 2, 3), 45), "15011112222"
    assert leaks(f"x {unknown_id} y") and leaks(f"({unknown_phone})") and leaks(f"[{ID_NUMBER[:-1]}0]") and leaks(OLD_STYLE_ID)
    assert not leaks("ticket 26000140001 at 2026-11-23 02:00:00.123456, hash 3f9a1c, update 100023")
    with pytest.raises(AssertionError, match="the bot or the store"):
        logs.assert_clean()
    logs.entries.clear()
    logging.getLogger("telegram.ext.probe").debug("update %s", ID_NUMBER)
    logs.assert_clean()  # held at WARNING by configure_logging: not shown in production
    logging.getLogger("telegram.ext.probe").warning("update %s", ID_NUMBER)
    with pytest.raises(AssertionError, match="as configured"):
        logs.assert_clean()
    try:
        raise ValueError(f"bad {PHONE}")
    except ValueError:
        logging.getLogger("apscheduler.probe").error("job failed", exc_info=True)
    assert leaks(logs.entries[-1].text), "tracebacks are scanned"
