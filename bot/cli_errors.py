"""One-line, secret-free descriptions of the errors an operator can cause from the command line."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from bot.runmodes import RunModeError
from bot.webhook import WebhookConfigError


class CliError(Exception):
    """An operator error whose message is safe to print as is."""


def _setting_names(exc: ValidationError) -> str:
    names = {str(err["loc"][0]).upper() for err in exc.errors() if err.get("loc")}
    return ", ".join(sorted(names)) or "?"


def describe(exc: BaseException) -> str:
    """What went wrong, in one line, never echoing URLs, tokens or keys from the configuration."""
    if isinstance(exc, (CliError, RunModeError, WebhookConfigError)):
        return str(exc)
    if isinstance(exc, ValidationError):
        return f"invalid setting(s): {_setting_names(exc)} (check the environment and the .env file)"
    if isinstance(exc, NoSuchModuleError):
        return "DATABASE_URL names an unsupported database (use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB)"
    if isinstance(exc, ArgumentError):
        return "DATABASE_URL is not a valid database URL (use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB)"
    if isinstance(exc, OperationalError):
        return "cannot open the database: check DATABASE_URL and that the server is running and reachable"
    if isinstance(exc, DBAPIError):
        return f"database error ({type(exc.orig).__name__}); is the schema up to date? try `skillbot db upgrade`"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or 'a file under DATA_DIR'}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or '?'}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": ")
    return f"unexpected {type(exc).__name__} (set LOG_LEVEL=DEBUG for a traceback)"
