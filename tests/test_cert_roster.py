"""Certificate roster (花名册, 004 附件5) reading, row checks (K1, K2, R5, L1, L5), all-or-nothing idempotent import, export."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from bot.app import App
from bot.i18n import I18n
from bot.normalize import id_like
from bot.rules.cert_numbers import format_k2
from bot.rules.id_numbers import make_resident_id
from bot.rules.id_types import ID_TYPES
from bot.services import cert_roster_export, cert_roster_import
from bot.services.cert_roster import PROBLEM_CODES, Problem, check_row, column, parse_date
from bot.services.cert_roster_chunks import BATCH
from bot.services.cert_roster_import import RosterReport, check_roster, problem_key, vocabulary
from bot.services.cert_roster_read import FIELDS, RosterFileError, open_roster
from storage.models import AuditLog, Certificate, Institution, Occupation

TODAY = date(2026, 11, 23)
SCHOOL, SCHOOL_CODE = "南昌赣江技工学校", "S000036010027"
ZH_HEADERS = ["姓名", "证件类型", "证件号码", "所在单位", "职业名称", "工种名称", "职业技能等级", "证书编号", "发证日期", "评价机构", "发证机构"]
EN_HEADERS = ["Name", "ID type", "ID number", "Work unit", "Occupation", "Work type", "Skill level", "Certificate number",
              "Issue date", "Evaluation body", "Issuing body"]
FILE_CODES = ("unreadable", "old_excel", "no_header", "missing_columns", "no_rows")


def resident_id(serial: int) -> str:
    """A valid 居民身份证 number (born 1990, Nanchang)."""
    return make_resident_id("360102", date(1990, 1, 1) + timedelta(days=serial), serial % 1000)


def number(serial: int, level: int = 4, year: int = 2025) -> str:
    """A K2 number of the test school."""
    return format_k2("S", "0000", "36", "010027", year, level, serial)


def row(serial: int, **changes: Any) -> list[Any]:
    """A good roster row in FIELDS order; keyword arguments replace cells by field name."""
    cells: dict[str, Any] = {
        "name": f"张{'一二三四五六七八九十'[serial % 10]}", "id_type": "居民身份证", "id_number": resident_id(serial),
        "work_unit": "南昌电力维修有限公司", "occupation": "电工", "work_type": "", "level": "四级", "number": number(serial),
        "issue_date": "2025-06-28", "evaluator": SCHOOL, "issuer": SCHOOL,
    }
    cells.update(changes)
    return [cells[f] for f in FIELDS]


def roster_xlsx(rows: Sequence[Sequence[Any]], headers: Sequence[str] = ZH_HEADERS, form: bool = True) -> bytes:
    """An xlsx roster like the official form: title and unit lines above the header, notes below (with `form`)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if form:
        sheet.append(["南昌市技工学校职业技能等级认定合格人员花名册"])
        sheet.append(["申报单位：（盖章）"])
    sheet.append(list(headers))
    for cells in rows:
        sheet.append(list(cells))
    if form:
        sheet.append([])
        sheet.append(["说明：1、证件类型为：201=居民身份证；227=中国护照……", None, None])
        sheet.append(["      2、职业技能等级为：四级或中级工；五级或初级工。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_csv(rows: Sequence[Sequence[Any]], headers: Sequence[str] = ZH_HEADERS, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """A CSV roster in the given encoding ("utf-8-sig" writes the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows([["" if c is None else c for c in cells] for cells in rows])
    return out.getvalue().encode(encoding)


async def seed_scope(app: App) -> None:
    """The test school with 电工 filed for levels 5–3 and 车工/数控车床 for 5–4 (L5)."""
    async with app.sessions() as session:
        school = Institution(code=SCHOOL_CODE, name=SCHOOL, kind="技工院校")
        session.add(school)
        await session.flush()
        assert school.id is not None
        session.add(Occupation(institution_id=school.id, code="6-31-01-03", name="电工", levels=[5, 4, 3]))
        session.add(Occupation(institution_id=school.id, code="6-18-01-01-02", name="车工", work_type="数控车床", levels=[5, 4]))
        await session.commit()


async def run(app: App, data: bytes, write: bool = True, **options: Any) -> RosterReport:
    """Check (and with `write` import) a roster in one transaction, committed only when written."""
    async with app.sessions() as session:
        report = await check_roster(app, session, data, TODAY, write=write, actor_id=42, **options)
        if report.written:
            await session.commit()
        else:
            await session.rollback()
    return report


async def stored(app: App) -> list[Certificate]:
    async with app.sessions() as session:
        return list((await session.exec(select(Certificate).order_by(Certificate.number))).all())  # type: ignore[arg-type]


def codes(report: RosterReport) -> list[tuple[int, str]]:
    return [(p.row, p.code) for p in report.problems]


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


# Reading: header rows, names, encodings


def test_headers_are_found_by_name_in_either_language_with_spaces_and_marks(i18n: I18n) -> None:
    vocab = vocabulary(i18n)
    for header in ("证件号码", " 证件 号码 ", "证件号码（必填）", "*证件号码", "ID number", "id_number", "身份证号码"):
        assert vocab.header(header) == "id_number", header
    assert vocab.header("序号") is None and vocab.header(None) is None
    shuffled = [ZH_HEADERS[i] for i in (7, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10)] + ["备注"]
    roster = open_roster(roster_csv([[row(1)[i] for i in (7, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10)] + ["x"]], shuffled), vocab)
    [(line, cells)] = list(roster.rows)
    assert (roster.format, roster.header_row, line) == ("csv", 1, 2) and list(cells) == row(1)


def test_the_official_form_title_and_notes_are_skipped(i18n: I18n) -> None:
    roster = open_roster(roster_xlsx([row(1), [None] * 11, row(2)]), vocabulary(i18n))
    assert roster.format == "xlsx" and roster.header_row == 3
    assert [line for line, _ in roster.rows] == [4, 6], "the blank row and the 说明 lines are not data"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings(i18n: I18n, encoding: str) -> None:
    data = roster_csv([row(1)], encoding=encoding)
    assert data.startswith(codecs.BOM_UTF8) == (encoding == "utf-8-sig")
    [(_, cells)] = list(open_roster(data, vocabulary(i18n)).rows)
    assert cells[0] == row(1)[0] and cells[9] == SCHOOL


def test_tab_separated_and_english_headers(i18n: I18n) -> None:
    [(_, cells)] = list(open_roster(roster_csv([row(1)], EN_HEADERS, delimiter="\t"), vocabulary(i18n)).rows)
    assert list(cells) == row(1)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old_excel"),
        (b"PK\x03\x04 not really a zip", "unreadable"),
        (bytes(range(256)) * 4, "unreadable"),
        ("标题\n甲,乙,丙\n1,2,3\n".encode(), "no_header"),
        (roster_csv([row(1)], ZH_HEADERS[:7]), "missing_columns"),
    ],
    ids=["xls", "broken-zip", "binary", "no-header", "missing-columns"],
)
def test_unusable_files(i18n: I18n, data: bytes, code: str) -> None:
    with pytest.raises(RosterFileError) as raised:
        open_roster(data, vocabulary(i18n))
    assert raised.value.code == code
    if code == "missing_columns":
        assert raised.value.params["columns"] == ["number", "issue_date", "evaluator", "issuer"]


def test_id_type_and_level_names(i18n: I18n) -> None:
    vocab = vocabulary(i18n)
    for text, code in [("201", "201"), ("居民身份证", "201"), ("201=居民身份证", "201"), ("身份证", "201"), ("Resident ID card", "201"),
                       ("《中华人民共和国外国人工作许可证》（A类）", "239"), ("其他个人证件", "299"), ("中国护照", "227"), ("2011", None), ("驾驶证", None)]:
        assert vocab.id_type(text) == code, text
    for text, level in [("4", 4), ("四级", 4), ("中级工", 4), ("四级/中级工", 4), ("四级（中级工）", 4), ("Level 4", 4), ("一级/高级技师", 1),
                        ("高级技师", 1), ("技师", 2), ("五级", 5), ("初级工", 5), ("六级", None), ("四级（初级工）", None), ("9", None)]:
        assert vocab.level(text) == level, text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2024, 6, 30), date(2024, 6, 30)), (date(2024, 6, 30), date(2024, 6, 30)), (45473, date(2024, 6, 30)),
        ("2024-06-30", date(2024, 6, 30)), ("2024/6/30", date(2024, 6, 30)), ("2024年6月30日", date(2024, 6, 30)),
        ("２０２４年６月３０日", date(2024, 6, 30)), ("2024.6.30", date(2024, 6, 30)), ("20240630", date(2024, 6, 30)),
        ("2024-06-30 00:00:00", date(2024, 6, 30)), ("2024-02-30", None), ("30/06/2024", None), ("下周一", None), (12, None),
    ],
)
def test_issue_dates(cell: Any, expected: date | None) -> None:
    assert parse_date(cell) == expected


# Row checks: every problem code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": " "}, "missing_field"),
        ({"issuer": None}, "missing_field"),
        ({"work_unit": "单" * 129}, "too_long"),
        ({"id_type": "驾驶证"}, "bad_id_type"),
        ({"id_number": resident_id(1)[:17] + ("0" if resident_id(1)[17] != "0" else "1")}, "bad_id_checksum"),
        ({"id_number": "360102199002301239"}, "bad_id_birth_date"),
        ({"id_type": "208", "id_number": "AB-12"}, "bad_id_number"),
        ({"level": "六级"}, "bad_level"),
        ({"number": "Y12345"}, "bad_number"),
        ({"level": "五级"}, "level_mismatch"),
        ({"issue_date": "2025-13-01"}, "bad_date"),
        ({"issue_date": "2026-11-24"}, "future_date"),
    ],
)
def test_row_problems(i18n: I18n, changes: dict[str, Any], code: str) -> None:
    problems = check_row(7, tuple(row(1, **changes)), vocabulary(i18n), TODAY)
    assert isinstance(problems, list) and [(p.row, p.code) for p in problems] == [(7, code)]
    assert all(str(v) not in json.dumps(p.params, default=str) for p in problems for v in (resident_id(1), "张"))


def test_a_good_row_is_normalized(i18n: I18n) -> None:
    cells = row(1, name=" 阿卜杜•热合曼 ", id_number=" " + resident_id(1).lower() + " ", number=number(1).lower(),
                level=4.0, issue_date=datetime(2025, 6, 28), id_type=" 201 ", work_unit="  南昌  电力 ")
    checked = check_row(3, tuple(cells), vocabulary(i18n), TODAY)
    assert not isinstance(checked, list)
    assert (checked.holder_name, checked.id_type, checked.id_number, checked.number, checked.level, checked.issue_date, checked.work_unit) == (
        "阿卜杜·热合曼", "201", resident_id(1), number(1), 4, date(2025, 6, 28), "南昌 电力")


def test_every_problem_has_a_message_in_both_locales(i18n: I18n) -> None:
    for locale in ("zh_CN", "en"):
        for code in PROBLEM_CODES:
            assert i18n.has(locale, problem_key(Problem(1, code))), (locale, code)
        for code in FILE_CODES:
            assert i18n.has(locale, problem_key(Problem(0, code))), (locale, code)
        for name in FIELDS:
            assert i18n.has(locale, f"cert_import.col.{name}")
    assert set(cert_roster_import.SIGNATURE_COLUMNS) <= set(FIELDS)


# Import: scope, duplicates, conflicts, all or nothing, idempotent


async def test_import_stores_encrypted_ids_and_audits_counts_only(app: App) -> None:
    await seed_scope(app)
    rows = [row(1), row(2, occupation="车工", work_type="数控车床", level="五级", number=number(2, level=5)), row(3, id_type="208", id_number="e1234567")]
    report = await run(app, roster_xlsx(rows))
    assert not report.failed and (report.format, report.rows, report.created, report.unchanged, report.written) == ("xlsx", 3, 3, 0, True)
    certificates = await stored(app)
    assert [c.number for c in certificates] == sorted([number(1), number(2, level=5), number(3)])
    first = next(c for c in certificates if c.number == number(1))
    assert first.id_number_enc != resident_id(1) and app.cipher.decrypt(first.id_number_enc) == resident_id(1)
    assert first.id_number_hash == app.cipher.lookup_hash(id_like(resident_id(1)))
    assert (first.level, first.issue_date, first.evaluator, first.source, first.status, first.version) == (4, date(2025, 6, 28), SCHOOL, "import", "valid", 1)
    assert next(c for c in certificates if c.id_type == "208").id_number_enc and app.cipher.decrypt(
        next(c for c in certificates if c.id_type == "208").id_number_enc) == "E1234567"
    async with app.sessions() as session:
        [entry] = (await session.exec(select(AuditLog).where(AuditLog.entity == "certificate"))).all()
    assert (entry.actor_id, entry.action, entry.entity_id) == (42, "import", "roster")
    assert entry.after == {"rows": 3, "created": 3, "unchanged": 0, "format": "xlsx", "sha256": report.sha256}


async def test_second_import_is_unchanged_and_a_changed_row_is_a_conflict(app: App) -> None:
    await seed_scope(app)
    data = roster_csv([row(1), row(2)])
    assert (await run(app, data)).created == 2
    again = await run(app, data)
    assert (again.created, again.unchanged, again.failed, again.written) == (0, 2, False, True)
    changed = await run(app, roster_csv([row(1, name="李四", issue_date="2025-06-15"), row(3)]))
    assert codes(changed) == [(2, "conflict")] and not changed.written
    assert changed.problems[0].params["columns"] == [column("name"), column("issue_date")]
    assert len(await stored(app)) == 2, "the new row of a refused file is not stored"


async def test_scope_and_duplicates_and_all_or_nothing(app: App) -> None:
    await seed_scope(app)
    rows = [
        row(1),
        row(2, evaluator="不存在的学校"),
        row(3, occupation="焊工"),
        row(4, occupation="车工", work_type="普通车床"),
        row(5, level="三级", occupation="车工", work_type="数控车床", number=number(5, level=3)),
        row(6, number=number(1)),
        row(7, evaluator=SCHOOL_CODE),
    ]
    report = await run(app, roster_csv(rows))
    assert codes(report) == [(3, "unknown_evaluator"), (4, "unknown_occupation"), (5, "unknown_occupation"), (6, "level_not_filed"),
                             (7, "duplicate_in_file")]
    assert report.problems[4].params == {"first_row": 2}
    assert not report.written and await stored(app) == []
    async with app.sessions() as session:
        assert (await session.exec(select(AuditLog).where(AuditLog.entity == "certificate"))).all() == []


async def test_a_problem_after_the_first_batches_still_stores_nothing(app: App) -> None:
    await seed_scope(app)
    rows = [row(n) for n in range(1, BATCH + 3)] + [row(BATCH + 3, level="九级")]
    report = await run(app, roster_csv(rows))
    assert report.rows == BATCH + 3 and codes(report) == [(BATCH + 4, "bad_level")] and report.created == BATCH + 2
    assert await stored(app) == []


async def test_dry_run_writes_nothing_and_empty_files_are_refused(app: App) -> None:
    await seed_scope(app)
    report = await run(app, roster_xlsx([row(1)]), write=False, release_reads=True)
    assert (report.created, report.written, report.failed) == (1, False, False) and await stored(app) == []
    empty = await run(app, roster_xlsx([]))
    assert codes(empty) == [(0, "no_rows")]
    broken = await run(app, b"\x00\x01garbage")
    assert codes(broken) == [(0, "unreadable")] and broken.rows == 0


async def test_many_problems_are_counted_but_only_the_first_are_kept(app: App) -> None:
    await seed_scope(app)
    report = await run(app, roster_csv([row(n, level="x") for n in range(1, 31)]), listed=10)
    assert report.problem_count == 30 and len(report.problems) == 10 and report.unlisted == 20
    assert cert_roster_import.problem_lines(app.i18n, "en", report)[-1] == "… and 20 more problem(s)"


async def test_a_child_process_gives_the_same_report(app: App) -> None:
    await seed_scope(app)
    good = [row(n) for n in range(1, 50)]
    data = roster_csv([*good, row(50, id_type="?")])
    in_thread = await run(app, data, write=False)
    in_process = await run(app, data, write=False, process_min_bytes=0)
    assert codes(in_process) == codes(in_thread) == [(51, "bad_id_type")] and in_process.created == in_thread.created == 49
    assert codes(await run(app, b"not a roster", write=False, process_min_bytes=0)) == [(0, "no_header")]
    imported = await run(app, roster_csv(good), process_min_bytes=0)
    assert imported.written and imported.created == 49 and len(await stored(app)) == 49


# Export: the same columns, full ID numbers, round trip


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_export_round_trips_through_the_importer(app: App, locale: str) -> None:
    await seed_scope(app)
    rows = [row(1), row(2, occupation="车工", work_type="数控车床", level="五级", number=number(2, level=5)),
            row(3, id_type="299", id_number="=HYPERLINK(1)", work_unit="=cmd|' /c calc'!A0")]
    assert (await run(app, roster_csv(rows))).created == 3
    async with app.sessions() as session:
        exported = await cert_roster_export.export_roster(app, session, locale, 77, None)
        await session.commit()
    assert exported.rows == 3 and exported.filename == "certificates.xlsx"
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == (ZH_HEADERS if locale == "zh_CN" else EN_HEADERS)
    values = {r[7].value: r for r in sheet.iter_rows(min_row=2)}
    assert values[number(1)][2].value == resident_id(1), "the official roster carries the full ID number"
    formula = values[number(3)]
    assert formula[3].value == "=cmd|' /c calc'!A0" and formula[3].data_type == "s" and formula[2].data_type == "s"
    again = await run(app, exported.content)
    assert (again.unchanged, again.created, again.failed) == (3, 0, False), codes(again)
    async with app.sessions() as session:
        entries = (await session.exec(select(AuditLog).where(AuditLog.action == "export"))).all()
    assert [(e.actor_id, e.entity, e.after) for e in entries] == [(77, "certificate", {"rows": 3, "institution": None, "format": "xlsx", "locale": locale})]


async def test_export_of_one_institution(app: App) -> None:
    await seed_scope(app)
    assert (await run(app, roster_csv([row(1)]))).created == 1
    async with app.sessions() as session:
        other = Institution(code="Y000043000001", name="湖南某企业", kind="企业")
        session.add(other)
        await session.flush()
        school = (await session.exec(select(Institution).where(Institution.code == SCHOOL_CODE))).one()
        mine = await cert_roster_export.export_roster(app, session, "zh_CN", None, school)
        theirs = await cert_roster_export.export_roster(app, session, "zh_CN", None, other)
    assert (mine.rows, mine.filename, theirs.rows) == (1, f"certificates_{SCHOOL_CODE}.xlsx", 0)


def test_id_types_all_have_names(i18n: I18n) -> None:
    vocab = vocabulary(i18n)
    for t in ID_TYPES:
        assert vocab.id_type(i18n.render("zh_CN", f"id_type.{t.code}")) == t.code
        assert vocab.id_type(i18n.render("en", f"id_type.{t.code}")) == t.code
