"""Application container and factory: everything a transport needs, built without network access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import I18n
from bot.pii import PiiCipher, load_or_create_key
from bot.scheduler.api import Jobs
from bot.settings import Settings
from storage import models  # noqa: F401  (registers tables on SQLModel.metadata)
from storage.db import create_engine, session_factory

if TYPE_CHECKING:
    from bot.services.ticket_files import TicketFiles


@dataclass
class App:
    """Settings, database, cipher and translations shared by every update."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cipher: PiiCipher
    i18n: I18n
    tz: ZoneInfo
    jobs: Jobs | None = None  # set by the run mode that starts the scheduler; None in plain tests and the CLI
    tickets: TicketFiles | None = None  # the ticket renderer, built on first use (loads the CJK font)

    async def create_schema(self) -> None:
        """Create missing tables directly (tests and the demo); production uses `skillbot db upgrade`."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    async def close(self) -> None:
        """Dispose of the connection pool."""
        await self.engine.dispose()


def build_app(settings: Settings | None = None) -> App:
    """Build the App from settings; opens no connection and calls no network."""
    settings = settings or Settings()
    key = load_or_create_key(
        settings.data_key.get_secret_value() if settings.data_key else None, settings.data_dir
    )
    engine = create_engine(settings.resolved_database_url)
    return App(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        cipher=PiiCipher(key),
        i18n=I18n(default=settings.default_locale),
        tz=ZoneInfo(settings.timezone),
    )
