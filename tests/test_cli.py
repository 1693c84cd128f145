"""The `skillbot` command line: help everywhere, one-line errors, idempotent demo data, audited staff roles."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import build_app
from bot.cli import main
from bot.settings import Settings
from storage.models import Certificate
from storage.repositories import audit, catalog
from tests.conftest import TEST_DATA_KEY
from tests.support.cli_env import SETTING_VARS, clean_workdir

T = TypeVar("T")
SKILLBOT = [sys.executable, "-m", "bot.cli"]
SUBCOMMANDS = [
    [], ["run"], ["console"], ["polling"], ["webhook"], ["db"], ["db", "upgrade"], ["db", "current"],
    ["demo-data"], ["staff"], ["staff", "add"], ["staff", "list"], ["export"], ["export", "applications"],
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory (no .env) with settings pointing into it."""
    return clean_workdir(tmp_path, monkeypatch)


def run_cli(cwd: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run skillbot in a subprocess with a clean environment."""
    base = {k: v for k, v in os.environ.items() if k not in SETTING_VARS}
    base.update({"DATA_DIR": str(cwd / "data"), "DATA_KEY": TEST_DATA_KEY, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    base.update(env)
    return subprocess.run(SKILLBOT + list(args), cwd=cwd, input=stdin, capture_output=True, text=True, env=base, timeout=120)


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=lambda a: " ".join(a) or "top")
def test_help_exits_zero_for_every_command(workdir: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    assert "usage: skillbot" in capsys.readouterr().out


def test_db_upgrade_then_current(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 1, "a fresh database is not up to date"
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0, "upgrading twice is harmless"
    assert main(["db", "current"]) == 0
    assert "schema revision" in capsys.readouterr().out


def test_demo_data_twice_keeps_counts(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-data"]) == 0
    first = capsys.readouterr().out
    assert main(["demo-data"]) == 0
    second = capsys.readouterr().out
    assert "certificates 300;" in first and "certificates 300;" in second
    assert second.endswith("rows created 0\n") and not first.endswith("rows created 0\n")
    assert first.split("rows created")[0] == second.split("rows created")[0]


async def _in_store(query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a query on the store the CLI used (settings from the environment)."""
    app = build_app(Settings(_env_file=None))  # type: ignore[call-arg]
    try:
        async with app.sessions() as session:
            return await query(session)
    finally:
        await app.close()


def test_demo_data_counts_in_the_store(workdir: Path) -> None:
    assert main(["demo-data"]) == 0 and main(["demo-data"]) == 0
    assert asyncio.run(_in_store(lambda s: catalog.count(s, Certificate))) == 300


def test_staff_add_is_audited_and_listed_masked(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["staff", "add", "--telegram-id", "555001", "--role", "proctor"]) == 0
    assert main(["staff", "add", "--telegram-id", "555001", "--role", "proctor"]) == 0
    out = capsys.readouterr().out
    assert "(new account) -> proctor" in out and "already has role proctor" in out
    assert main(["staff", "list"]) == 0
    assert "555001" in capsys.readouterr().out
    entries = asyncio.run(_in_store(lambda s: audit.for_entity(s, "user", 555001)))
    assert [(e.action, e.before, e.after) for e in entries] == [("cli_set_role", {"role": None}, {"role": "proctor"})]


@pytest.mark.parametrize(
    "args",
    [
        ["staff", "add", "--telegram-id", "5", "--role", "emperor"],
        ["staff", "add", "--telegram-id", "abc", "--role", "staff"],
        ["console", "--as", "nobody"],
        ["frobnicate"],
        [],
    ],
    ids=["bad-role", "bad-id", "console-bad-role", "unknown-command", "no-command"],
)
def test_usage_errors_are_one_line(workdir: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skillbot")


@pytest.mark.parametrize(
    "env, args, expected",
    [
        ({"DATABASE_URL": "nosuchdb://admin:S3cretPw@db.example/x"}, ["db", "upgrade"], "unsupported database"),
        ({"DATABASE_URL": "::not a url S3cretPw"}, ["demo-data"], "not a valid database URL"),
        ({"DATABASE_URL": "postgresql://admin:S3cretPw@127.0.0.1:1/x"}, ["db", "upgrade"], "cannot open the database"),
        ({"LOG_LEVEL": "LOUD"}, ["db", "upgrade"], "LOG_LEVEL"),
        ({"DATA_KEY": "S3cretPw"}, ["db", "upgrade"], "DATA_KEY"),
        ({"WEBHOOK_PORT": "S3cretPw"}, ["db", "upgrade"], "WEBHOOK_PORT"),
        ({}, ["--env-file", "missing.env", "db", "upgrade"], "env file not found"),
        ({}, ["polling"], "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:S3cretPw"}, ["webhook"], "schema"),
        ({"TELEGRAM_BOT_TOKEN": "1:S3cretPw"}, ["staff", "list"], "skillbot db upgrade"),
    ],
    ids=["driver", "url", "unreachable", "log-level", "short-key", "bad-port", "env-file", "no-token", "webhook-schema", "schema"],
)
def test_runtime_errors_are_one_line_without_secrets(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], args: list[str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skillbot: error: "), err
    assert expected in err
    assert "S3cretPw" not in err


def test_console_script_smoke(tmp_path: Path) -> None:
    script = "/start\n/profile\n张三\n#contact +8613800138000\n#3\n/whoami\n#quit\n"
    result = run_cli(tmp_path, "run", stdin=script, LOG_LEVEL="WARNING")
    assert result.returncode == 0, result.stderr
    assert "#1" in result.stdout and "职业技能等级认定" in result.stdout
    assert "个人信息已保存：张三，手机号 138****8000" in result.stdout
    assert "13800138000" not in result.stderr, "logs never carry what the user typed"


def test_console_script_bad_role_is_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "staff", "add", "--telegram-id", "7", "--role", "king")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "invalid choice" in result.stderr
