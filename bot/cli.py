"""`skillbot` command line: run modes, database, demo data and staff roles. Errors are one line on stderr."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, NoReturn, Sequence

from bot.app import App, build_app
from bot.cli_calendar import register as register_calendar
from bot.cli_errors import CliError, describe
from bot.demo import load_demo
from bot.services.announcement_file import ImportFileError
from bot.services.announcement_import import import_file, report_lines
from bot.services import cert_roster_import
from bot.services.cert_roster_export import export_roster
from bot.logs import configure_logging
from bot.runmodes import (
    ensure_schema_current,
    require_token,
    run_auto,
    run_console,
    run_polling,
    run_webhook,
    schema_revision,
    upgrade_database,
)
from bot.services.export import roster
from bot.services.staff_admin import list_staff, set_role
from bot.settings import Settings
from flows.commands import LOCALES
from flows.menu import INVITABLE_ROLES, ROLES
from storage.repositories import catalog

log = logging.getLogger("skillbot")

Handler = Callable[[argparse.Namespace, App], Awaitable[int]]


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are a single line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        """Print `skillbot …: error: message` and exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a Telegram id: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("a Telegram id is a positive integer")
    return number


def _record_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"not a record id: {value!r}")
    return int(value)


async def _run(args: argparse.Namespace, app: App) -> int:
    await run_auto(app)
    return 0


async def _console(args: argparse.Namespace, app: App) -> int:
    await run_console(app, user_id=args.user, role=args.role, demo=not app.settings.has_token)
    return 0


async def _polling(args: argparse.Namespace, app: App) -> int:
    require_token(app, "polling")
    await ensure_schema_current(app)
    await run_polling(app)
    return 0


async def _webhook(args: argparse.Namespace, app: App) -> int:
    require_token(app, "webhook")
    await ensure_schema_current(app)
    await run_webhook(app)
    return 0


async def _db_upgrade(args: argparse.Namespace, app: App) -> int:
    await upgrade_database(app, args.revision)
    at, _ = await schema_revision(app)
    print(f"database upgraded; schema revision: {at}")
    return 0


async def _db_current(args: argparse.Namespace, app: App) -> int:
    at, newest = await schema_revision(app)
    print(f"schema revision: {at or 'none'} (newest: {newest})")
    return 0 if at == newest else 1


async def _demo_data(args: argparse.Namespace, app: App) -> int:
    await upgrade_database(app)
    s = await load_demo(app)
    print(
        f"demo data: institution {s.institution_code}; occupations {s.occupations}; announcements {s.announcements}; "
        f"batches {s.batches}; staff {s.staff}; certificates {s.certificates}; rows created {s.created}"
    )
    return 0


async def _import_announcements(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    try:
        report = await import_file(app, args.file, dry_run=args.dry_run)
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    out, err = report_lines(app, report, args.dry_run)
    for line in out:
        print(line)
    for line in err:
        print(line, file=sys.stderr)
    if report.failed:
        print(f"skillbot: error: {len(err)} problem(s); nothing imported", file=sys.stderr)
        return 1
    print("dry run: nothing written" if args.dry_run else f"imported {len(report.outcomes)} announcement(s)")
    return 0


async def _import_certificates(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    report = await cert_roster_import.import_file(app, args.file, dry_run=args.dry_run)
    lines = cert_roster_import.problem_lines(app.i18n, cert_roster_import.CLI_LOCALE, report)
    if report.failed and all(p.row == 0 for p in report.problems) and not report.unlisted:
        raise CliError(f"{args.file}: " + "; ".join(line.removeprefix("file: ") for line in lines))
    for line in lines:
        print(line, file=sys.stderr)
    if report.failed:
        print(f"skillbot: error: {report.problem_count} problem(s) in {report.rows} row(s); nothing imported", file=sys.stderr)
        return 1
    counts = f"{report.created} created, {report.unchanged} unchanged"
    if args.dry_run:
        print(f"dry run: nothing written; {report.rows} row(s) checked: {counts.replace('created', 'would be created')}")
    else:
        print(f"imported {report.rows} row(s): {counts}")
    return 0


async def _staff_add(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    change = await set_role(app, args.telegram_id, args.role)
    if change.before == change.after:
        print(f"user {change.user_id} already has role {change.after}")
    else:
        print(f"user {change.user_id}: role {change.before or '(new account)'} -> {change.after}")
    return 0


async def _staff_list(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    rows = await list_staff(app)
    print(f"{'telegram_id':>12}  {'role':<10}  {'locale':<6}  name")
    for row in rows:
        print(f"{row.user_id:>12}  {row.role:<10}  {row.locale:<6}  {row.name or '-'}")
    return 0


def _write_private(path: Path, content: bytes) -> None:
    """Write a file readable by its owner only (the roster holds full ID numbers and phones)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)


async def _export_applications(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    locale = app.i18n.resolve(args.locale or app.settings.default_locale)
    async with app.sessions() as session:
        exported = await roster(app, session, args.announcement, locale, None)
        if exported is None:
            raise CliError(f"announcement {args.announcement} not found")
        _write_private(args.out, exported.content)
        await session.commit()  # the export is audited only once the file is written
    print(f"wrote {exported.rows} application(s) of announcement {args.announcement} to {args.out}")
    print("the file holds FULL ID numbers and mobile numbers (the official roster): keep it safe")
    return 0


async def _export_certificates(args: argparse.Namespace, app: App) -> int:
    await ensure_schema_current(app)
    locale = app.i18n.resolve(args.locale or app.settings.default_locale)
    async with app.sessions() as session:
        institution = await catalog.institution_by_code(session, args.institution) if args.institution else None
        if args.institution and institution is None:
            raise CliError(f"institution {args.institution} not found")
        exported = await export_roster(app, session, locale, None, institution)
        _write_private(args.out, exported.content)
        await session.commit()  # the export is audited only once the file is written
    print(f"wrote {exported.rows} valid certificate(s) to {args.out}")
    print("the file holds FULL ID numbers (the official roster for the authorities): keep it safe")
    return 0


def _command(sub: Any, name: str, summary: str, description: str, handler: Handler | None = None) -> Parser:
    """Add one subcommand with its one-line summary (in the parent's --help) and its own description."""
    parser: Parser = sub.add_parser(name, help=summary, description=description)
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def build_parser() -> Parser:
    """The argument parser with every subcommand."""
    parser = Parser(prog="skillbot", description="Telegram assistant for vocational skill level certification.")
    parser.add_argument("--env-file", type=Path, metavar="FILE", help="read settings from FILE instead of ./.env")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _command(
        sub, "run", "console demo without a token, webhook with WEBHOOK_URL, else polling",
        "Migrate the database, then pick a mode: no TELEGRAM_BOT_TOKEN → console demo with demo data; "
        "token and WEBHOOK_URL → webhook server; token only → long polling.", _run,
    )
    console = _command(
        sub, "console", "chat with the bot in the terminal",
        "Chat with the bot in the terminal: #1 presses button 1, #contact PHONE shares a phone number, #quit leaves. "
        "Without a token the database is migrated and seeded with demo data first.", _console,
    )
    console.add_argument("--as", dest="role", choices=ROLES, help="give the console user this role first (audited)")
    console.add_argument("--user", type=_positive_id, default=1, metavar="ID", help="the console user's Telegram id (default 1)")
    _command(sub, "polling", "long polling (needs TELEGRAM_BOT_TOKEN)",
             "Run with long polling; needs TELEGRAM_BOT_TOKEN and a migrated database.", _polling)
    _command(sub, "webhook", "webhook server (needs the token, WEBHOOK_URL and WEBHOOK_SECRET)",
             "Serve the Telegram webhook until SIGTERM; needs TELEGRAM_BOT_TOKEN, WEBHOOK_URL, WEBHOOK_SECRET and a "
             "migrated database.", _webhook)

    db = _command(sub, "db", "database schema", "Database schema migrations (Alembic).")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = _command(db_sub, "upgrade", "apply migrations to DATABASE_URL",
                       "Apply the shipped migrations to DATABASE_URL.", _db_upgrade)
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    _command(db_sub, "current", "show the schema revision (exit 1 when not up to date)",
             "Show the database's schema revision; exit 1 when it is not the newest.", _db_current)

    _command(sub, "demo-data", "load the demo institution, staff and 300 certificates (idempotent)",
             "Migrate the database and load the demo data; running it again adds nothing.", _demo_data)

    imp = _command(sub, "import-announcements", "create or update announcements from a TOML file (all or nothing)",
                   "Validate every [[announcement]] in FILE (filed occupations and levels, dates, fee, advertising words) "
                   "and create them, or update the institution's announcement with the same title; nothing is written "
                   "when any entry has a problem. Example: bot/data/announcements_example.toml.", _import_announcements)
    imp.add_argument("file", type=Path, metavar="FILE", help="TOML file with [[announcement]] tables")
    imp.add_argument("--dry-run", action="store_true", help="validate and report without writing")

    certs = _command(
        sub, "import-certificates", "import a certificate roster (花名册 xlsx or CSV; all or nothing, idempotent)",
        "Check every row of the roster in FILE (columns of 附件5: 姓名, 证件类型, 证件号码, 所在单位, 职业名称, 工种名称, "
        "职业技能等级, 证书编号, 发证日期, 评价机构, 发证机构; xlsx, or CSV in UTF-8 or GB18030): ID numbers, certificate "
        "numbers, levels within the evaluation body's filed occupations, dates, duplicates and conflicts with stored "
        "certificates. Nothing is written when any row has a problem; rows already stored with the same data are left "
        "unchanged, so a file can be imported again. One problem per line on stderr.", _import_certificates,
    )
    certs.add_argument("file", type=Path, metavar="FILE", help="roster workbook (.xlsx) or CSV file")
    certs.add_argument("--dry-run", action="store_true", help="check and report without writing")

    staff = _command(sub, "staff", "staff roles", "Grant and list staff roles.")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = _command(staff_sub, "add", "grant a role to a Telegram user (audited)",
                   "Grant a role to a Telegram user; the change is written to the audit log.", _staff_add)
    add.add_argument("--telegram-id", type=_positive_id, required=True, metavar="N", help="the user's numeric Telegram id")
    add.add_argument("--role", required=True, choices=INVITABLE_ROLES, help="role to grant")
    _command(staff_sub, "list", "list accounts with a staff or exam role (names masked)",
             "List accounts with a staff or exam role; names are masked.", _staff_list)

    export = _command(sub, "export", "export data for the evaluation body", "Export data files (audited).")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    applications = _command(
        export_sub, "applications", "an announcement's application roster as xlsx (full ID numbers; audited)",
        "Write the application roster of one announcement as an xlsx workbook in the 申报表 (R4) field order. "
        "It holds FULL ID numbers and mobile numbers (the official roster for the evaluation body): the file is "
        "created readable by its owner only; the export is written to the audit log.", _export_applications,
    )
    applications.add_argument("--announcement", type=_record_id, required=True, metavar="N", help="announcement id")
    applications.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="file to write (replaced)")
    applications.add_argument("--locale", choices=LOCALES, help="language of headers and labels (default: DEFAULT_LOCALE)")
    roster_cmd = _command(
        export_sub, "certificates", "the certificate roster as xlsx (花名册 columns, full ID numbers; audited)",
        "Write the valid certificates as an xlsx workbook with the 花名册 (附件5) columns, optionally only those of one "
        "institution (its evaluation body name or K2 number prefix). It holds FULL ID numbers (the official roster for the "
        "authorities): the file is created readable by its owner only; the export is written to the audit log.",
        _export_certificates,
    )
    roster_cmd.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="file to write (replaced)")
    roster_cmd.add_argument("--institution", metavar="CODE", help="only this institution's certificates")
    roster_cmd.add_argument("--locale", choices=LOCALES, help="language of headers and labels (default: DEFAULT_LOCALE)")
    register_calendar(sub, _command)
    return parser


def load_settings(env_file: Path | None) -> Settings:
    """Settings from the environment and the given (or default) .env file."""
    if env_file is not None and not env_file.is_file():
        raise CliError(f"env file not found: {env_file}")
    return Settings(_env_file=env_file or ".env")  # type: ignore[call-arg]


NOISY_LOGGERS = ("alembic.runtime.plugins",)


def _configure_logging(level: str) -> None:
    try:
        configure_logging(level)
    except ValueError:
        raise CliError(f"LOG_LEVEL {level!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)") from None
    if logging.getLogger().level > logging.DEBUG:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


async def _execute(handler: Handler, args: argparse.Namespace, settings: Settings) -> int:
    try:
        app = build_app(settings)
    except ValueError as exc:  # our own checks: DATA_KEY length, default locale
        raise CliError(str(exc)) from None
    try:
        return await handler(args, app)
    finally:
        await app.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `skillbot` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file)
        _configure_logging(settings.log_level)
        return asyncio.run(_execute(args.handler, args, settings))
    except KeyboardInterrupt:
        print("skillbot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.debug("command failed", exc_info=True)
        print(f"skillbot: error: {describe(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
