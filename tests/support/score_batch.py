"""A batch ready for score entry, stored directly: a body whose code is a K2 prefix, theory and practical sittings,
three approved candidates with active issued tickets (the third sits the practical only), and two staff members."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from bot.app import App
from bot.data.demo_catalog import ANNOUNCEMENT_CONDITIONS
from bot.rules.id_numbers import make_resident_id
from storage.models import Announcement, ExamBatch, ExamSession, Institution, Occupation, Ticket
from tests.support.applications import BIRTH, add_user, insert_application

K2_PREFIX = "S000036010027"
STAFF_A, STAFF_B = 670001, 670002
CANDIDATES = (671001, 671002, 671003)
NAMES = ("张三", "李四", "王五")
SUBJECTS = (("theory", "practical"), ("theory", "practical"), ("practical",))


def id_number(index: int) -> str:
    """Resident ID number of candidate `index`."""
    return make_resident_id("360102", BIRTH, 401 + 2 * index)


@dataclass(frozen=True)
class ScoreBatch:
    """Ids and ticket numbers (in CANDIDATES order)."""

    batch_id: int
    tickets: tuple[int, ...]
    numbers: tuple[str, ...]


async def score_batch(app: App, exam_day: date | None = None, code: str = K2_PREFIX, policy: str | None = None) -> ScoreBatch:
    """Store the batch described in the module docstring."""
    exam_day = exam_day or date.today() - timedelta(days=3)
    await add_user(app, STAFF_A, "staff")
    await add_user(app, STAFF_B, "staff")
    async with app.sessions() as session:
        body = Institution(code=code, name="南昌赣江技工学校", kind="技工院校", region="36")
        session.add(body)
        await session.flush()
        occupation = Occupation(institution_id=body.id or 0, code="6-31-01-03", name="电工", levels=[5, 4, 3])
        session.add(occupation)
        await session.flush()
        announcement = Announcement(
            institution_id=body.id or 0, occupation_id=occupation.id or 0, title="电工认定", levels=[5, 4, 3],
            conditions=dict(ANNOUNCEMENT_CONDITIONS), registration_start=exam_day - timedelta(days=30),
            registration_end=exam_day - timedelta(days=10), sites=["A"], fee_yuan=200,
        )
        session.add(announcement)
        await session.commit()
    applications = []
    for i, (user, name, subjects) in enumerate(zip(CANDIDATES, NAMES, SUBJECTS)):
        applications.append(await insert_application(app, announcement, user, number=f"SQ20267700{i:02d}", status="approved",
                                                     name=name, id_number=id_number(i), subjects=list(subjects)))
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4,
                          name="2026年电工四级认定", exam_date=exam_day, status="issued", tickets_issued_at=now, policy=policy)
        session.add(batch)
        await session.flush()
        start = datetime.combine(exam_day, datetime.min.time(), timezone.utc)
        for subject in ("theory", "practical"):
            session.add(ExamSession(batch_id=batch.id or 0, subject=subject, starts_at=start, ends_at=start + timedelta(hours=2),
                                    site="1号楼"))
        tickets = []
        for i, application in enumerate(applications):
            ticket = Ticket(number=f"2600{batch.id or 0:02d}0400{i + 1}"[:11].ljust(11, "0"), batch_id=batch.id or 0,
                            application_id=application.id or 0, user_id=application.user_id, sequence=i + 1, status="active",
                            issued_at=now)
            session.add(ticket)
            tickets.append(ticket)
        await session.flush()
        result = ScoreBatch(batch.id or 0, tuple(t.id or 0 for t in tickets), tuple(t.number for t in tickets))
        await session.commit()
        return result


def sheet_csv(rows: list[list[str]], header: tuple[str, ...] = ("准考证号", "姓名", "理论知识", "操作技能")) -> bytes:
    """A filled score sheet as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def good_rows(batch: ScoreBatch, theory_b: str = "58") -> list[list[str]]:
    """Scores: 张三 passes (85.5 / 60), 李四 fails theory (`theory_b`), 王五 (practical only) absent."""
    a, b, c = batch.numbers
    return [[a, "张三", "85.5", "60"], [b, "李四", theory_b, "72"], [c, "王五", "—", "缺考"]]
