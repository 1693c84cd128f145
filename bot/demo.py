"""Idempotent demo data: one technical school with filed occupations, an open announcement, a batch, staff, certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.data import demo_catalog as data
from bot.app import App
from bot.normalize import id_like
from bot.rules.id_numbers import make_resident_id
from flows.menu import CANDIDATE
from storage.models import Announcement, Application, Certificate, ExamBatch, ExamRoom, ExamSession, Institution, Occupation
from storage.repositories import applications, audit, catalog, certificates, users

REGISTRATION_OPENED_DAYS_AGO = 7
REGISTRATION_DAYS = 18
EXAM_DAYS_AFTER_REGISTRATION = 10


@dataclass(frozen=True)
class DemoSummary:
    """Demo rows present after loading, and how many rows this run inserted."""

    institution_code: str
    occupations: int
    announcements: int
    batches: int
    staff: int
    certificates: int
    created: int


async def has_institution(app: App) -> bool:
    """True when the store holds at least one institution (the demo is then not loaded automatically)."""
    async with app.sessions() as session:
        return await catalog.any_institution(session)


async def _institution(session: AsyncSession) -> tuple[Institution, int]:
    found = await catalog.institution_by_code(session, data.INSTITUTION_CODE)
    if found is not None:
        return found, 0
    row = Institution(
        code=data.INSTITUTION_CODE, name=data.INSTITUTION_NAME, kind=data.INSTITUTION_KIND, region=data.INSTITUTION_REGION
    )
    await catalog.add(session, row)
    return row, 1


async def _occupations(session: AsyncSession, institution_id: int) -> tuple[dict[str, Occupation], int]:
    rows: dict[str, Occupation] = {}
    created = 0
    for item in data.OCCUPATIONS:
        row = await catalog.occupation(session, institution_id, item.code, item.work_type)
        if row is None:
            row = Occupation(
                institution_id=institution_id, code=item.code, name=item.name, work_type=item.work_type, levels=list(item.levels)
            )
            await catalog.add(session, row)
            created += 1
        rows[item.code] = row
    return rows, created


def _at(day: date, clock: str, tz: ZoneInfo) -> datetime:
    """A local wall-clock time on `day` as UTC."""
    return datetime.combine(day, time.fromisoformat(clock), tz).astimezone(timezone.utc)


async def _sittings(session: AsyncSession, batch: ExamBatch, tz: ZoneInfo) -> None:
    """The demo batch's sessions and rooms with their examiners (A4, C10)."""
    assert batch.id is not None
    by_subject: dict[str, ExamSession] = {}
    for subject, start, end, site in data.BATCH_SESSIONS:
        row = ExamSession(batch_id=batch.id, subject=subject, site=site,
                          starts_at=_at(batch.exam_date, start, tz), ends_at=_at(batch.exam_date, end, tz))
        await catalog.add(session, row)
        by_subject[subject] = row
    for position, (subject, name, kind, capacity) in enumerate(data.BATCH_ROOMS):
        room = ExamRoom(session_id=by_subject[subject].id or 0, name=name, kind=kind, capacity=capacity, position=position,
                        chief_id=data.BATCH_CHIEF, deputy_id=data.BATCH_DEPUTY)
        await catalog.add(session, room)
    batch.assessor_ids = [data.BATCH_ASSESSOR]
    batch.supervisor_id = data.BATCH_SUPERVISOR
    session.add(batch)


async def _announcement_and_batch(
    session: AsyncSession, institution_id: int, electrician: Occupation, today: date, tz: ZoneInfo
) -> int:
    """The open electrician announcement (window around `today`) and its batch; returns rows created."""
    assert electrician.id is not None
    created = 0
    announcement = await catalog.announcement_by_title(session, institution_id, data.ANNOUNCEMENT_TITLE)
    if announcement is None:
        opened = today - timedelta(days=REGISTRATION_OPENED_DAYS_AGO)
        announcement = Announcement(
            institution_id=institution_id,
            occupation_id=electrician.id,
            title=data.ANNOUNCEMENT_TITLE,
            levels=list(data.ANNOUNCEMENT_LEVELS),
            conditions=dict(data.ANNOUNCEMENT_CONDITIONS),
            registration_start=opened,
            registration_end=opened + timedelta(days=REGISTRATION_DAYS),
            sites=list(data.ANNOUNCEMENT_SITES),
            fee_yuan=data.ANNOUNCEMENT_FEE_YUAN,
            status="open",
        )
        await catalog.add(session, announcement)
        created += 1
    if await catalog.batch_by_name(session, electrician.id, data.BATCH_NAME) is None:
        batch = ExamBatch(
            announcement_id=announcement.id,
            occupation_id=electrician.id,
            level=data.BATCH_LEVEL,
            name=data.BATCH_NAME,
            exam_date=announcement.registration_end + timedelta(days=EXAM_DAYS_AFTER_REGISTRATION),
            status="planned",
        )
        await catalog.add(session, batch)
        await _sittings(session, batch, tz)
        created += 1
    return created


async def _applicants(app: App, session: AsyncSession, announcement: Announcement) -> int:
    """Approved demo applications to the demo batch (so seats and tickets can be tried); returns rows created."""
    created = 0
    for user_id, name, gender, born, sequence in data.APPLICANTS:
        number = f"SQ{announcement.registration_start.year}D{user_id % 10000:05d}"
        if await applications.by_number(session, number) is not None:
            continue
        id_number = make_resident_id(data.APPLICANT_REGION, date.fromisoformat(born), sequence)
        mobile = f"139{user_id % 100000000:08d}"
        account = await users.touch(session, user_id, name, None)
        account.full_name = name
        session.add(Application(
            number=number, user_id=user_id, announcement_id=announcement.id or 0, occupation_id=announcement.occupation_id,
            level=data.BATCH_LEVEL, status="approved", name=name, gender=gender, birth_date=date.fromisoformat(born),
            id_type="201", id_number_enc=app.cipher.encrypt(id_number) or "", id_number_hash=app.cipher.lookup_hash(id_number) or "",
            mobile_enc=app.cipher.encrypt(mobile) or "", mobile_hash=app.cipher.lookup_hash(mobile) or "",
            category="employee", work_unit=data.APPLICANT_UNIT, education="senior_high", post="维修电工", years_in_post=6,
            subjects=["theory", "practical"],
        ))
        created += 1
    return created


async def _staff(session: AsyncSession) -> int:
    """Staff accounts with made-up Telegram ids; existing accounts keep their role."""
    created = 0
    for user_id, role, name in data.STAFF:
        if await users.get(session, user_id) is None:
            account = await users.set_role(session, user_id, role)
            account.full_name = name
            session.add(account)
            await audit.record(session, None, "demo_staff", "user", user_id, None, {"role": role})
            created += 1
    return created


async def _demo_staff_count(session: AsyncSession) -> int:
    """How many of the demo staff accounts exist with a staff or exam role."""
    found = 0
    for user_id, _, _ in data.STAFF:
        account = await users.get(session, user_id)
        found += account is not None and account.role != CANDIDATE
    return found


async def _certificates(app: App, session: AsyncSession) -> int:
    """Insert the generated certificates that are not stored yet; ID numbers encrypted and hashed."""
    existing = await certificates.numbers_with_prefix(session, data.INSTITUTION_CODE)
    rows = []
    for item in data.generate_certificates():
        if item.number in existing:
            continue
        normalized = id_like(item.id_number)
        rows.append(
            Certificate(
                number=item.number,
                holder_name=item.holder_name,
                id_type="201",
                id_number_enc=app.cipher.encrypt(normalized) or "",
                id_number_hash=app.cipher.lookup_hash(normalized) or "",
                work_unit=item.work_unit,
                occupation=item.occupation.name,
                work_type=item.occupation.work_type,
                level=item.level,
                issue_date=item.issue_date,
                evaluator=data.INSTITUTION_NAME,
                issuer=data.INSTITUTION_NAME,
                status="valid",
            )
        )
    if rows:
        await certificates.add_many(session, rows)
    return len(rows)


async def load_demo(app: App, today: date | None = None) -> DemoSummary:
    """Load the demo data once (running it again inserts nothing); the announcement is open around `today`."""
    today = today or datetime.now(app.tz).date()
    async with app.sessions() as session:
        institution, created = await _institution(session)
        assert institution.id is not None
        occupations, made = await _occupations(session, institution.id)
        created += made
        created += await _announcement_and_batch(session, institution.id, occupations[data.OCCUPATIONS[0].code], today, app.tz)
        created += await _staff(session)
        announcement = await catalog.announcement_by_title(session, institution.id, data.ANNOUNCEMENT_TITLE)
        assert announcement is not None
        created += await _applicants(app, session, announcement)
        created += await _certificates(app, session)
        await session.commit()
        return DemoSummary(
            institution_code=institution.code,
            occupations=len(await catalog.occupations_of(session, institution.id)),
            announcements=await catalog.count(session, Announcement),
            batches=await catalog.count(session, ExamBatch),
            staff=await _demo_staff_count(session),
            certificates=await certificates.count(session, data.INSTITUTION_CODE),
            created=created,
        )
