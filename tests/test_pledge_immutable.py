"""R6: an accepted pledge is evidence; the migrated database refuses to change or delete it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from storage.migrate import upgrade
from tests.support.pg import temporary_database

SEED = [
    "INSERT INTO institution (id, code, name, kind, region) VALUES (1, 'T1', 'School', 'school', '36')",
    "INSERT INTO occupation (id, institution_id, code, name, work_type, levels) VALUES (1, 1, '6-31-01-03', 'E', '', '[5]')",
    "INSERT INTO announcement (id, institution_id, occupation_id, title, levels, conditions, registration_start,"
    " registration_end, sites, fee_yuan, status) VALUES (1, 1, 1, 'A', '[5]', '{}', '2026-11-01', '2026-12-01', '[]', 0, 'open')",
    "INSERT INTO application (id, number, user_id, announcement_id, occupation_id, level, status, name, gender, birth_date,"
    " id_type, id_number_enc, id_number_hash, mobile_enc, mobile_hash, category, work_unit, education, major,"
    " held_certificates, post, years_in_post, subjects, photo, documents, submitted_at, updated_at) VALUES (1, 'SQ1', 5, 1, 1, 5,"
    " 'submitted', 'N', 'male', '1990-01-01', '201', 'x', 'h', 'y', 'm', 'social', '', 'bachelor', '', '[]', '', 1,"
    " '[]', '{}', '[]', '2026-11-23 00:00:00+00:00', '2026-11-23 00:00:00+00:00')",
    "INSERT INTO pledge_acceptance (id, application_id, user_id, locale, text_hash, accepted_at)"
    " VALUES (1, 1, 5, 'zh_CN', 'abc', '2026-11-23 00:00:00+00:00')",
]


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pledge.sqlite3'}"
        upgrade(url)
        yield url
        return
    with temporary_database() as url:
        upgrade(url)
        yield url


def test_pledge_rows_cannot_be_updated_or_deleted(migrated_url: str) -> None:
    engine = create_engine(migrated_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            for statement in SEED:
                conn.execute(text(statement))
        for statement in ("UPDATE pledge_acceptance SET text_hash = 'forged'", "DELETE FROM pledge_acceptance"):
            with pytest.raises(DBAPIError, match="immutable"):
                with engine.begin() as conn:
                    conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT text_hash FROM pledge_acceptance")).scalar_one() == "abc"
    finally:
        engine.dispose()
