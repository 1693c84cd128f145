"""Throwaway PostgreSQL databases for tests, on the server named by SKILLBOT_TEST_PG_URL (see scripts/postgres.sh).

    url = require_pg_url()              # skips locally, fails in CI, when the variable is unset
    with temporary_database(url) as db: # a fresh empty database, dropped afterwards
        ...
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables of the schema template)

PG_URL_ENV = "SKILLBOT_TEST_PG_URL"


def in_ci() -> bool:
    """True when running in CI (env CI set to anything but an explicit false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pg_url() -> str | None:
    """SKILLBOT_TEST_PG_URL, or None when unset."""
    return os.environ.get(PG_URL_ENV, "").strip() or None


def require_pg_url() -> str:
    """The PostgreSQL test URL; skips the test when unset, but fails it in CI."""
    url = pg_url()
    if url is None:
        message = f"{PG_URL_ENV} is not set (start a server with: export {PG_URL_ENV}=$(scripts/postgres.sh))"
        if in_ci():
            pytest.fail(message + "; PostgreSQL tests must run in CI", pytrace=False)
        pytest.skip(message)
    return url


def libpq_url(url: str) -> str:
    """The URL in the form libpq/psycopg accept (no SQLAlchemy `+driver` suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database `name`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


_templates: dict[str, str] = {}  # server URL → database holding the current schema, made once per test process


def create_database(base_url: str, prefix: str = "skillbot_t", template: str | None = None) -> str:
    """Create a uniquely named database on the server of `base_url` (empty, or a copy of `template`); returns its URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
    with psycopg.connect(libpq_url(base_url), autocommit=True) as conn:
        conn.execute(statement)
    return with_database(base_url, name)


def schema_template(base_url: str) -> str:
    """A database with every table of the models, created once per process and dropped at exit; fresh test databases
    are copied from it (CREATE DATABASE … TEMPLATE), which is several times faster than creating the tables each time."""
    if base_url not in _templates:
        url = create_database(base_url, "skillbot_tmpl")
        engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
        try:
            SQLModel.metadata.create_all(engine)
        finally:
            engine.dispose()
        atexit.register(drop_database, url, base_url)
        _templates[base_url] = make_url(url).database or ""
    return _templates[base_url]


def drop_database(url: str, maintenance_url: str | None = None) -> None:
    """Disconnect everyone from the database of `url` and drop it (no error when it is gone).

    Connects to `maintenance_url` (another database on the same server), by default the `postgres` database.
    """
    name = make_url(url).database
    if not name:
        raise ValueError("URL names no database")
    maintenance = maintenance_url or with_database(url, "postgres")
    with psycopg.connect(libpq_url(maintenance), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextmanager
def temporary_database(base_url: str | None = None, prefix: str = "skillbot_t", with_schema: bool = False) -> Iterator[str]:
    """A fresh database for the duration of the block (server from `base_url` or SKILLBOT_TEST_PG_URL); empty, or
    with every table already created (`with_schema`)."""
    base = base_url or require_pg_url()
    url = create_database(base, prefix, schema_template(base) if with_schema else None)
    try:
        yield url
    finally:
        drop_database(url, base)
