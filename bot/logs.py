"""Logging setup that keeps personal data out of the logs."""

from __future__ import annotations

import logging
import traceback

# Libraries that log SQL parameters or request bodies at DEBUG (which would include ID numbers and phones).
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "httpx", "httpcore", "telegram.ext", "telegram.bot", "aiohttp.access", "psycopg")

# Libraries that are chatty at INFO without telling an operator anything (font subsetting for every ticket PDF).
NOISY_LOGGERS = ("fontTools",)


def configure_logging(level: str = "INFO") -> None:
    """Root logging at `level`; loggers that would print SQL parameters or bodies are held at WARNING."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level.upper())
    for name in PARAMETER_LOGGERS + NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def failure_site(exc: BaseException) -> str:
    """File and line an exception was raised at, without its message (messages may echo personal data)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
