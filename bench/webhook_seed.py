"""Stores of `bench webhook`: one database migrated and seeded with certificates, then a fresh copy per skillbot run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.webhook_workers import DATA_KEY
from bot.app import build_app
from bot.data import demo_catalog as data
from bot.normalize import id_like
from bot.pii import PiiCipher
from bot.runmodes import upgrade_database
from bot.settings import Settings
from storage.models import Certificate
from storage.repositories import certificates

PG_URL_ENV = "SKILLBOT_TEST_PG_URL"
CHUNK = 2000

Fresh = Callable[[str], str]  # label → URL of a new copy of the seeded store


async def seed(url: str, data_dir: Path, items: Sequence[data.DemoCertificate]) -> None:
    """Migrate the store to the newest revision (as `skillbot db upgrade`) and insert the certificates."""
    app = build_app(Settings(_env_file=None, database_url=url, data_dir=data_dir, data_key=DATA_KEY))  # type: ignore[call-arg]
    try:
        await upgrade_database(app)
        async with app.sessions() as session:
            for start in range(0, len(items), CHUNK):
                await certificates.add_many(session, [_row(app.cipher, c) for c in items[start : start + CHUNK]])
            await session.commit()
    finally:
        await app.close()


def _row(cipher: PiiCipher, item: data.DemoCertificate) -> Certificate:
    """A stored certificate as the demo loader writes it (ID number encrypted and hashed)."""
    normalized = id_like(item.id_number)
    return Certificate(
        number=item.number, holder_name=item.holder_name, id_type="201",
        id_number_enc=cipher.encrypt(normalized) or "", id_number_hash=cipher.lookup_hash(normalized) or "",
        work_unit=item.work_unit, occupation=item.occupation.name, work_type=item.occupation.work_type, level=item.level,
        issue_date=item.issue_date, evaluator=data.INSTITUTION_NAME, issuer=data.INSTITUTION_NAME, status="valid",
    )


def pg_server() -> str:
    """SKILLBOT_TEST_PG_URL, or exit with how to start a server."""
    base = os.environ.get(PG_URL_ENV, "").strip()
    if not base:
        raise SystemExit(f"{PG_URL_ENV} is not set (start a server with: export {PG_URL_ENV}=\"$(scripts/postgres.sh)\")")
    return base


@contextmanager
def sqlite_stores(folder: Path) -> Iterator[tuple[str, Fresh]]:
    """The seed file's URL and a function copying it to a new file per label."""
    seed_file = folder / "seed.sqlite3"

    def fresh(label: str) -> str:
        target = folder / f"{label}.sqlite3"
        for suffix in ("", "-wal"):
            if Path(f"{seed_file}{suffix}").exists():
                shutil.copyfile(f"{seed_file}{suffix}", f"{target}{suffix}")
        return f"sqlite:///{target}"

    yield f"sqlite:///{seed_file}", fresh


@contextmanager
def postgres_stores() -> Iterator[tuple[str, Fresh]]:
    """A throwaway seed database on the server of SKILLBOT_TEST_PG_URL and copies of it (CREATE DATABASE … TEMPLATE);
    all dropped afterwards."""
    from tests.support.pg import create_database, drop_database

    base = pg_server()
    made = [create_database(base, "skillbot_bench_wh")]

    def fresh(label: str) -> str:
        made.append(create_database(base, f"skillbot_bench_wh_{label}", template=make_url(made[0]).database))
        return made[-1]

    try:
        yield made[0], fresh
    finally:
        for url in reversed(made):
            drop_database(url, base)


def stores(kind: str, folder: Path) -> AbstractContextManager[tuple[str, Fresh]]:
    """SQLite files under `folder`, or throwaway PostgreSQL databases."""
    return sqlite_stores(folder) if kind == "sqlite" else postgres_stores()
