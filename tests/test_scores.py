"""Score entry (L3 double entry, L2 pass), /publish (P5) and /issue (K2 numbers) at the service level."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlmodel import select

from bot.app import App
from bot.services import issue_certs, publish, scores
from bot.services.score_sheet import NOT_SAT, TemplateRow, build_template, read_sheet
from storage.models import AuditLog, Certificate, ExamBatch, Notification, Score, ScoreEntry
from tests.support.score_batch import CANDIDATES, K2_PREFIX, NAMES, STAFF_A, STAFF_B, ScoreBatch, good_rows, score_batch, sheet_csv

WORDS = {"理论知识": "theory", "操作技能": "practical", "综合评审": "comprehensive", "theory": "theory", "practical": "practical"}
TODAY = date.today()


async def up(app: App, batch: ScoreBatch, user: int, content: bytes) -> scores.UploadResult:
    async with app.sessions() as session:
        result = await scores.upload(session, batch.batch_id, user, content, read_sheet(content, WORDS))
        await session.commit()
        return result


async def rows(app: App, model: type, *where: object) -> list:
    async with app.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())  # type: ignore[arg-type]


async def confirm_clean(app: App, batch: ScoreBatch) -> None:
    await up(app, batch, STAFF_A, sheet_csv(good_rows(batch)))
    second = await up(app, batch, STAFF_B, sheet_csv(good_rows(batch)))
    async with app.sessions() as session:
        assert await scores.confirm(session, batch.batch_id, STAFF_B, second.sha256) == ("ok", 5)
        await session.commit()


async def test_template_lists_active_tickets_and_reads_back(app: App) -> None:
    batch = await score_batch(app)
    async with app.sessions() as session:
        found = await scores.roster(session, batch.batch_id)
    assert found is not None and found.subjects == ("theory", "practical")
    assert [c.number for c in found.candidates] == list(batch.numbers)
    content = build_template([TemplateRow(c.number, c.name, c.subjects) for c in found.candidates], found.subjects,
                             {"ticket": "准考证号", "name": "姓名", "theory": "理论知识", "practical": "操作技能"}, "成绩录入")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["准考证号", "姓名", "理论知识", "操作技能"]
    assert values[3] == [batch.numbers[2], NAMES[2], NOT_SAT, None], "王五 sits only the practical"
    read = read_sheet(content, WORDS)
    assert [r.ticket for r in read.rows] == list(batch.numbers)
    entered, problems = scores.check(read, found)
    assert entered == {} and problems == [], "a blank template has nothing entered and no problem"


async def test_bad_rows_are_reported_and_nothing_is_stored(app: App) -> None:
    batch = await score_batch(app)
    a, b, c = batch.numbers
    bad = [[a, "张三", "101", "85.55"], ["99999999999", "某", "60", "60"], [b, "李四", "abc", "60"], [c, "王五", "70", "60"],
           [a, "张三", "60", "60"]]
    result = await up(app, batch, STAFF_A, sheet_csv(bad))
    assert result.status == "problems"
    assert [(p.row, p.key) for p in result.problems] == [
        (2, "bad_value"), (2, "bad_value"), (3, "unknown_ticket"), (4, "bad_value"), (5, "not_sat"), (6, "duplicate_row")]
    assert await rows(app, ScoreEntry) == [] and await rows(app, AuditLog) == []
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    garbage = await up(app, batch, STAFF_A, archive.getvalue())
    assert [p.key for p in garbage.problems] == ["unreadable"]
    headerless = await up(app, batch, STAFF_A, sheet_csv([[a, "x"]], header=("a", "b")))
    assert [p.key for p in headerless.problems] == ["no_header"]


async def test_double_entry_needs_a_second_person_and_equal_rounds(app: App) -> None:
    batch = await score_batch(app)
    first = await up(app, batch, STAFF_A, sheet_csv(good_rows(batch)))
    assert (first.status, first.round, first.entered, first.absent, first.missing) == ("round1", 1, 5, 1, 0)
    again = await up(app, batch, STAFF_A, sheet_csv(good_rows(batch)))
    assert again.status == "same_person"
    assert {e.round for e in await rows(app, ScoreEntry)} == {1}, "the round-1 author never enters round 2"

    differing = await up(app, batch, STAFF_B, sheet_csv(good_rows(batch, theory_b="85")))
    assert differing.status == "round2" and not differing.confirmable
    assert [(d.ticket, d.subject, d.first, d.second) for d in differing.diffs] == [(batch.numbers[1], "theory", 58.0, 85.0)]
    async with app.sessions() as session:
        assert await scores.confirm(session, batch.batch_id, STAFF_B, differing.sha256) == ("stale", 0)
    assert await rows(app, Score) == []

    partial = good_rows(batch)
    partial[0][3] = ""
    missing = await up(app, batch, STAFF_B, sheet_csv(partial))
    assert [(d.subject, d.first, d.second) for d in missing.diffs] == [("practical", 60.0, None)]

    corrected = await up(app, batch, STAFF_B, sheet_csv(good_rows(batch)))
    assert corrected.confirmable and corrected.diffs == ()
    assert len([e for e in await rows(app, ScoreEntry) if e.round == 2]) == 5, "a corrected round 2 replaces the old one"
    async with app.sessions() as session:
        assert await scores.confirm(session, batch.batch_id, STAFF_A, corrected.sha256) == ("same_person", 0)
        assert await scores.confirm(session, batch.batch_id, STAFF_B, "0" * 64) == ("stale", 0)
        assert await scores.confirm(session, batch.batch_id, STAFF_B, corrected.sha256) == ("ok", 5)
        await session.commit()
    stored = {(s.ticket_id, s.subject): (s.value, s.absent, s.passed, s.confirmed_by) for s in await rows(app, Score)}
    t = batch.tickets
    assert stored == {
        (t[0], "theory"): (85.5, False, True, STAFF_B), (t[0], "practical"): (60.0, False, True, STAFF_B),
        (t[1], "theory"): (58.0, False, False, STAFF_B), (t[1], "practical"): (72.0, False, True, STAFF_B),
        (t[2], "practical"): (None, True, False, STAFF_B),
    }
    assert (await up(app, batch, STAFF_B, sheet_csv(good_rows(batch)))).status == "confirmed"
    audits = await rows(app, AuditLog, AuditLog.entity == "exam_batch")
    assert [a.action for a in audits] == ["enter_scores"] * 4 + ["confirm_scores"]
    assert all(set(a.after or {}) <= {"round", "entered", "absent", "missing", "sha256", "scores", "passed_subjects"}
               for a in audits), "the audit holds counts and hashes, no individual scores"


async def test_restart_clears_unconfirmed_rounds_only(app: App) -> None:
    batch = await score_batch(app)
    await up(app, batch, STAFF_A, sheet_csv(good_rows(batch)))
    async with app.sessions() as session:
        assert await scores.restart(session, batch.batch_id, STAFF_B) == "ok"
        await session.commit()
        assert await scores.restart(session, batch.batch_id, STAFF_B) == "empty"
    assert await rows(app, ScoreEntry) == []
    assert (await up(app, batch, STAFF_B, sheet_csv(good_rows(batch)))).status == "round1", "a new round 1 by anyone"


async def test_publish_needs_confirmed_scores_notifies_each_candidate_once(app: App) -> None:
    batch = await score_batch(app, policy="nanchang-2025")
    async with app.sessions() as session:
        early = await publish.publish(app, session, batch.batch_id, STAFF_A, TODAY)
    assert (early.status, early.missing) == ("incomplete", 5)
    await confirm_clean(app, batch)
    async with app.sessions() as session:
        done = await publish.publish(app, session, batch.batch_id, STAFF_A, TODAY)
        await session.commit()
    assert (done.status, done.notified, done.passed) == ("ok", 3, 1)
    assert done.end is not None and done.end >= TODAY + timedelta(days=7), "nanchang: ≥ 7 days and 5 working days (P5)"
    (stored,) = await rows(app, ExamBatch)
    assert stored.publicity_start == TODAY and stored.publicity_end == done.end
    assert all(s.published_at is not None for s in await rows(app, Score))
    texts = {n.chat_id: n.payload["text"] for n in await rows(app, Notification)}
    assert set(texts) == set(CANDIDATES)
    assert "85.5" in texts[CANDIDATES[0]] and "认定结果：合格" in texts[CANDIDATES[0]]
    assert "58" in texts[CANDIDATES[1]] and "认定结果：不合格" in texts[CANDIDATES[1]] and "85.5" not in texts[CANDIDATES[1]]
    assert "缺考" in texts[CANDIDATES[2]]
    async with app.sessions() as session:
        assert (await publish.publish(app, session, batch.batch_id, STAFF_A, TODAY)).status == "already"
    assert len(await rows(app, Notification)) == 3


async def _published(app: App, batch: ScoreBatch, days_ago: int = 20) -> None:
    await confirm_clean(app, batch)
    async with app.sessions() as session:
        await publish.publish(app, session, batch.batch_id, STAFF_A, TODAY - timedelta(days=days_ago))
        await session.commit()


async def test_issue_registers_passed_candidates_with_k2_numbers_once(app: App) -> None:
    batch = await score_batch(app)
    async with app.sessions() as session:
        assert (await issue_certs.plan(app, session, batch.batch_id, TODAY, TODAY)).status == "not_published"
    rows_b = good_rows(batch, theory_b="66")  # 李四 passes too
    await up(app, batch, STAFF_A, sheet_csv(rows_b))
    second = await up(app, batch, STAFF_B, sheet_csv(rows_b))
    async with app.sessions() as session:
        await scores.confirm(session, batch.batch_id, STAFF_B, second.sha256)
        await publish.publish(app, session, batch.batch_id, STAFF_A, TODAY - timedelta(days=10))
        session.add(Certificate(number=f"{K2_PREFIX}{TODAY.year % 100:02d}4000041", holder_name="旧", id_type="201",
                                id_number_enc="", id_number_hash="other", occupation="电工", level=4, issue_date=TODAY,
                                evaluator="x", issuer="x"))
        await session.commit()
    async with app.sessions() as session:
        assert (await issue_certs.plan(app, session, batch.batch_id, TODAY - timedelta(days=10), TODAY)).status == "publicity_running"
        assert (await issue_certs.plan(app, session, batch.batch_id, TODAY + timedelta(days=1), TODAY)).status == "future_date"
        planned = await issue_certs.plan(app, session, batch.batch_id, TODAY, TODAY)
        assert planned.status == "ok" and [c.user_id for c in planned.candidates] == list(CANDIDATES[:2])
        assert planned.first_serial == 42, "serials continue after the highest one under the same prefix, year and level"
        done = await issue_certs.issue(app, session, batch.batch_id, TODAY, TODAY, STAFF_A)
        await session.commit()
    yy = f"{TODAY.year % 100:02d}"
    assert [n for _, n in done.numbers] == [f"{K2_PREFIX}{yy}4000042", f"{K2_PREFIX}{yy}4000043"]
    certs = {c.number: c for c in await rows(app, Certificate, Certificate.batch_id == batch.batch_id)}
    assert certs[f"{K2_PREFIX}{yy}4000042"].holder_name == NAMES[0] and certs[f"{K2_PREFIX}{yy}4000042"].issuer == "南昌赣江技工学校"
    (stored,) = await rows(app, ExamBatch)
    assert stored.certificates_issued_on == TODAY
    notices = [n.payload["text"] for n in await rows(app, Notification) if "证书编号" in n.payload["text"]]
    assert len(notices) == 2 and all("/cert" in t for t in notices)
    async with app.sessions() as session:
        again = await issue_certs.issue(app, session, batch.batch_id, TODAY, TODAY, STAFF_A)
        await session.commit()
        assert again.numbers == () and again.plan.already == 2, "re-running registers nothing twice"
        other_day = await issue_certs.plan(app, session, batch.batch_id, TODAY - timedelta(days=1), TODAY)
        assert other_day.status == "other_date"
    assert len(await rows(app, Certificate, Certificate.batch_id == batch.batch_id)) == 2
    audit = [a for a in await rows(app, AuditLog, AuditLog.action == "issue_certificates")]
    assert [a.after["registered"] for a in audit] == [2, 0]


async def test_issue_refuses_a_body_code_that_is_no_k2_prefix(app: App) -> None:
    batch = await score_batch(app, code="T0001")
    await _published(app, batch)
    async with app.sessions() as session:
        assert (await issue_certs.plan(app, session, batch.batch_id, TODAY, TODAY)).status == "bad_institution"
