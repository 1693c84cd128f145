"""Engine and session factory: SQLite in WAL mode by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def async_url(url: str) -> str:
    """Map a plain DATABASE_URL to its asyncio driver (aiosqlite / psycopg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def sync_url(url: str) -> str:
    """Map a DATABASE_URL to its synchronous driver (for Alembic and CLI batch jobs)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs."""
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite database file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL journal, sane busy timeout and foreign keys on every SQLite connection."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_autocommit_driver(dbapi_connection: object, _record: object) -> None:
    """Let SQLAlchemy, not the driver, open transactions (needed for BEGIN IMMEDIATE)."""
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin_immediate(conn: object) -> None:
    """Take SQLite's write lock at the start of every transaction.

    A deferred transaction that reads and then writes fails at once with "database is locked" when another
    writer committed in between (WAL snapshot conflict); IMMEDIATE makes writers queue on busy_timeout instead.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]


def configure_sqlite(engine: Engine) -> None:
    """Install the SQLite hooks (WAL pragmas, driver autocommit, BEGIN IMMEDIATE) on a sync engine."""
    event.listen(engine, "connect", sqlite_pragmas)
    event.listen(engine, "connect", _sqlite_autocommit_driver)
    event.listen(engine, "begin", _sqlite_begin_immediate)


def create_engine(url: str, echo: bool = False) -> AsyncEngine:
    """Async engine for the given DATABASE_URL."""
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        engine = create_async_engine(async_url(url), echo=echo, connect_args={"timeout": 10})
        configure_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(async_url(url), echo=echo, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Factory of SQLModel async sessions that keep objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
