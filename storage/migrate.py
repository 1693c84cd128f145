"""Schema migrations (Alembic, shipped in storage/migrations) driven programmatically: no alembic.ini needed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, DateTime, Engine, String, TypeDecorator, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import configure_sqlite, ensure_sqlite_dir, is_sqlite, sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _render_item(type_: str, obj: Any, _context: AutogenContext) -> str | bool:
    """Render SQLModel's column types (AutoString, UTCDateTime) as their plain SQLAlchemy implementation.

    Revisions then depend on SQLAlchemy only; the Python-side conversions live in the models, not the schema.
    """
    if type_ != "type" or not isinstance(obj, TypeDecorator) or not type(obj).__module__.startswith("sqlmodel."):
        return False
    impl = obj.impl
    if isinstance(impl, String):
        return f"sa.String(length={impl.length})" if impl.length else "sa.String()"
    if isinstance(impl, DateTime):
        return f"sa.DateTime(timezone={impl.timezone})"
    return False


FOREIGN_TABLES = frozenset({"apscheduler_jobs"})  # created by a migration, owned by APScheduler's job store


def _include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Leave tables another library owns out of the model comparison."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def context_options(url: str | URL) -> dict[str, Any]:
    """Options shared by env.py and check(): type comparison, batch mode on SQLite, plain String rendering."""
    return {
        "compare_type": True,
        "include_name": _include_name,
        "render_as_batch": make_url(url).get_backend_name() == "sqlite",
        "render_item": _render_item,
    }


def make_engine(database_url: str) -> Engine:
    """Sync engine for migrations: sync driver, SQLite folder created and the same WAL connect hooks as the app."""
    ensure_sqlite_dir(database_url)
    engine = create_engine(sync_url(database_url), poolclass=NullPool)
    if is_sqlite(database_url):
        configure_sqlite(engine)
    return engine


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic Config pointing at the packaged migrations (URL escaped for ConfigParser)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if database_url:
        config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


@contextmanager
def _connection(database_url: str) -> Iterator[Connection]:
    """One connection in one transaction, committed on success; the engine is disposed afterwards."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` up to `revision` in one transaction."""
    config = alembic_config(database_url)
    with _connection(database_url) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database at `database_url` down to `revision` ("base" empties it)."""
    config = alembic_config(database_url)
    with _connection(database_url) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def current(database_url: str) -> str | None:
    """Revision the database is at; None when it was never migrated."""
    with _connection(database_url) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """Newest revision shipped with the package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check(database_url: str) -> list[Any]:
    """Differences between the models' metadata and the database (alembic diff tuples); empty when in sync."""
    with _connection(database_url) as conn:
        context = MigrationContext.configure(conn, opts=context_options(conn.engine.url))
        return list(compare_metadata(context, SQLModel.metadata))
