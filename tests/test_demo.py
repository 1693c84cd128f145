"""Demo data: idempotent, valid K2 numbers and 居民身份证 numbers, encrypted with lookup hashes (K1, K2, R5)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.app import App
from bot.demo import has_institution, load_demo
from bot.data.demo_catalog import INSTITUTION_CODE, OCCUPATIONS
from bot.normalize import id_like
from bot.rules.cert_numbers import parse_k2
from bot.rules.id_numbers import birth_date, is_valid_resident_id
from storage.models import Announcement, Certificate, ExamBatch
from storage.repositories import certificates

TODAY = date(2026, 11, 23)


async def test_load_twice_creates_nothing_the_second_time(app: App) -> None:
    assert not await has_institution(app)
    first = await load_demo(app, today=TODAY)
    second = await load_demo(app, today=TODAY)
    assert await has_institution(app)
    assert first.created > 300 and second.created == 0
    assert (first.occupations, first.announcements, first.batches, first.staff, first.certificates) == (len(OCCUPATIONS), 1, 1, 6, 300)
    assert second == first.__class__(**{**first.__dict__, "created": 0})


async def test_certificates_are_valid_and_encrypted(app: App) -> None:
    await load_demo(app, today=TODAY)
    async with app.sessions() as session:
        rows = list((await session.exec(select(Certificate))).all())
    assert len(rows) == 300
    for cert in rows:
        parts = parse_k2(cert.number)
        assert parts is not None and cert.number.startswith(INSTITUTION_CODE)
        assert parts.level == cert.level and parts.year == f"{cert.issue_date.year % 100:02d}"
        assert cert.issue_date <= TODAY and cert.id_type == "201"
        plain = app.cipher.decrypt(cert.id_number_enc) or ""
        assert plain not in cert.id_number_enc
        assert is_valid_resident_id(plain, today=TODAY)
        assert (cert.issue_date - birth_date(plain)).days >= 18 * 365
        assert cert.id_number_hash == app.cipher.lookup_hash(id_like(plain))
        assert 2 <= len(cert.holder_name) <= 3
    async with app.sessions() as session:
        found = await certificates.by_id_hash(session, app.cipher.lookup_hash(id_like(plain)) or "")
    assert cert.number in {c.number for c in found}


async def test_announcement_is_open_today_and_batch_follows(app: App) -> None:
    await load_demo(app, today=TODAY)
    async with app.sessions() as session:
        announcement = (await session.exec(select(Announcement))).one()
        batch = (await session.exec(select(ExamBatch))).one()
    assert announcement.status == "open"
    assert announcement.registration_start <= TODAY <= announcement.registration_end
    assert set(announcement.conditions) == {str(level) for level in announcement.levels}
    assert announcement.sites and announcement.fee_yuan > 0
    assert batch.announcement_id == announcement.id and batch.exam_date > announcement.registration_end
    assert batch.level in announcement.levels
