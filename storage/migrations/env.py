"""Alembic environment: migrates SQLModel.metadata; batch mode on SQLite.

Run through `storage.migrate` (which passes an open connection in `config.attributes["connection"]`), or with the
alembic CLI given `sqlalchemy.url` (a plain DATABASE_URL is mapped to its sync driver).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.migrate import context_options, make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade head --sql`) without a database connection."""
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, **context_options(url))
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    """Run the migrations on an open connection."""
    context.configure(
        connection=connection, target_metadata=target_metadata, **context_options(connection.engine.url)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Use the caller's connection, or open one from `sqlalchemy.url`."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            run_on(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
