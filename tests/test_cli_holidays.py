"""Loading a year's holiday arrangement: row checks, CSV/xlsx reading, `skillbot holidays import|list` (all or nothing,
dry run, idempotent, audited, official years refused without --force) and the chat service `import_calendar`."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.cli import main
from bot.i18n import I18n
from bot.rules.holiday_rows import ERROR, FILE_CODES, OK, ROW_CODES, WARNING, RawRow, check_rows, parse_kind
from bot.services.holiday_file import HolidayFileError, read_rows
from bot.services.work_calendar import load_calendar
from bot.services.work_calendar_import import import_calendar, report_lines
from storage.models import AuditLog, WorkCalendarYear
from tests.support.cli_env import migrated_workdir, with_app
from tests.support.official_days import pin_official_data

# A plausible 2027 arrangement (the State Council has not published it): New Year, part of the Spring Festival.
GOOD_2027 = "date,kind\n2027-01-01,休\n2027-02-06,班\n2027-02-08,休\n2027-02-09,holiday\n2027-02-10,假\n2027-02-20,workday\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with a migrated store."""
    pin_official_data(monkeypatch)
    return migrated_workdir(tmp_path, monkeypatch)


async def _years(_app: App, session: AsyncSession) -> list[WorkCalendarYear]:
    return list((await session.exec(select(WorkCalendarYear))).all())


async def _audits(_app: App, session: AsyncSession) -> list[AuditLog]:
    return list((await session.exec(select(AuditLog).where(AuditLog.entity == "work_calendar_year"))).all())


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- row checks (pure) -------------------------------------------------------------------------------------------


def raw(row: int, day: str | None, kind: str) -> RawRow:
    """A read row; without a day the date cell held text that is not a date."""
    return RawRow(row, date.fromisoformat(day) if day else None, day or "1月32日", kind)


@pytest.mark.parametrize(("word", "kind"), [("休", "holiday"), ("假", "holiday"), ("放假", "holiday"), ("Holiday", "holiday"),
                                            ("班", "workday"), ("补班", "workday"), ("WORKDAY", "workday"), ("ｗｏｒｋｄａｙ", "workday"),
                                            ("调休", None), ("", None), ("lunch", None)])
def test_kind_words(word: str, kind: str | None) -> None:
    assert parse_kind(word) == kind


def test_every_outcome_has_a_message_in_every_locale() -> None:
    i18n = I18n()
    keys = [f"holidays.row.{c}" for c in ROW_CODES] + [f"holidays.file.{c}" for c in FILE_CODES]
    keys += [f"holidays.summary.{k}" for k in ("failed", "created", "replaced", "unchanged", "dry_created", "dry_replaced")]
    keys += [f"holidays.weekday.{n}" for n in range(1, 8)]
    for locale in i18n.locales:
        assert not [k for k in keys if not i18n.has(locale, k)], locale


def test_rows_checked_one_by_one() -> None:
    check = check_rows([
        raw(2, "2027-01-01", "休"),        # Friday off
        raw(3, "2027-02-06", "班"),        # Saturday worked
        raw(4, "2027-01-02", "休"),        # Saturday off: pointless
        raw(5, "2027-01-04", "班"),        # Monday worked: pointless
        raw(6, "2027-01-01", "休"),        # repeated, same kind
        raw(7, "2027-02-06", "休"),        # the other kind
        raw(8, None, "休"),                # not a date
        raw(9, "2027-03-01", "调休"),      # ambiguous kind
        raw(10, "2028-01-03", "休"),       # other year
    ])
    assert check.year == 2027
    assert [(o.row, o.code, o.severity) for o in check.rows] == [
        (2, "holiday", OK), (3, "workday", OK), (4, "pointless_holiday", WARNING), (5, "pointless_workday", WARNING),
        (6, "repeated", WARNING), (7, "conflict", ERROR), (8, "bad_date", ERROR), (9, "bad_kind", ERROR), (10, "other_year", ERROR),
    ]
    assert check.holidays == {date(2027, 1, 1)} and check.workdays == {date(2027, 2, 6)}
    assert (check.errors, check.warnings) == (4, 3)
    assert check.rows[5].params["first_row"] == 3


def test_year_is_given_or_the_most_frequent() -> None:
    rows = [raw(1, "2027-01-01", "休"), raw(2, "2028-01-03", "休"), raw(3, "2028-01-04", "休")]
    assert check_rows(rows).year == 2028
    assert [o.code for o in check_rows(rows, 2027).rows] == ["holiday", "other_year", "other_year"]


def test_reading_csv_and_xlsx() -> None:
    rows = read_rows("\ufeff日期,类型,名称\n\n2027/1/1,休,元旦\n2027年2月6日,班\n".encode("utf-8"))
    assert [(r.row, r.day, r.kind_text) for r in rows] == [(3, date(2027, 1, 1), "休"), (4, date(2027, 2, 6), "班")]
    gbk = read_rows("2027-01-01;休\n".encode("gb18030"))
    assert gbk[0].day == date(2027, 1, 1) and gbk[0].kind_text == "休"
    sheet = read_rows(_xlsx([["Date", "Kind"], [datetime(2027, 1, 1), "holiday"], ["2027-02-06", "workday"]]))
    assert [(r.row, r.day) for r in sheet] == [(2, date(2027, 1, 1)), (3, date(2027, 2, 6))]
    bad = read_rows(b"date,kind\nfoo,bar\n")
    assert bad[0].day is None and bad[0].date_text == "foo"


@pytest.mark.parametrize(("data", "code"), [(b"", "no_rows"), (b"date,kind\n", "no_rows"),
                                            (b"\xd0\xcf\x11\xe0rest", "old_excel"), (b"PK\x03\x04broken", "unreadable"),
                                            (b"\xff\xfe\x00\x00\x81", "unreadable")])
def test_unreadable_files(data: bytes, code: str) -> None:
    with pytest.raises(HolidayFileError) as caught:
        read_rows(data)
    assert caught.value.code == code


# --- skillbot holidays import / list -----------------------------------------------------------------------------


def test_import_stores_the_year_audited_and_reports_each_row(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "2027.csv", GOOD_2027 + "2027-01-02,休\n")
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "row 2: 2027-01-01 (Friday): day off"
    assert out[1] == "row 3: 2027-02-06 (Saturday): make-up working day"
    assert out[6].startswith("row 8: warning: 2027-01-02 is a Saturday")
    assert out[-1] == "2027 stored: 4 day(s) off and 2 make-up working day(s); deadlines in 2027 are no longer provisional."
    (year,) = with_app(_years)
    assert (year.year, year.source, year.loaded_by) == (2027, "2027.csv", None)
    assert year.holidays == ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10"]
    assert year.workdays == ["2027-02-06", "2027-02-20"]
    (entry,) = with_app(_audits)
    assert (entry.action, entry.entity_id, entry.before) == ("import", "2027", None)
    assert entry.after is not None and entry.after["workdays"] == ["2027-02-06", "2027-02-20"]


def test_import_again_changes_nothing_and_a_new_file_replaces(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "2027.csv", GOOD_2027)
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 0
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2027 is already loaded with the same days; nothing changed."
    assert len(with_app(_audits)) == 1, "an unchanged import is not audited again"
    fixed = _write(workdir, "2027-fixed.csv", GOOD_2027 + "2027-02-11,休\n")
    assert main(["holidays", "import", str(fixed), "--lang", "zh_CN"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "已替换 2027 年：现为放假 5 天，调休上班 2 天。"
    (year,) = with_app(_years)
    assert "2027-02-11" in year.holidays and year.source == "2027-fixed.csv"
    audits = with_app(_audits)
    assert len(audits) == 2 and audits[1].before is not None and "2027-02-11" not in audits[1].before["holidays"]


def test_dry_run_stores_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "2027.csv", GOOD_2027)
    assert main(["holidays", "import", str(path), "--dry-run", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("Dry run: 2027 would be stored with 4 day(s) off")
    assert with_app(_years) == [] and with_app(_audits) == []


def test_any_error_stores_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "bad.csv", GOOD_2027 + "2027-02-06,休\n2027-13-01,休\n2028-01-03,休\n2027-03-01,调休\n")
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert "row 8: error: 2027-02-06 is already listed in row 3 as the other kind" in lines
    assert "row 9: error: 2027-13-01 is not a date (write it as 2027-01-01)" in lines
    assert "row 10: error: 2028-01-03 is not in 2027 (one file holds one year)" in lines
    assert "row 11: error: “调休” is neither a day off (休 / holiday) nor a working day (班 / workday)" in lines
    assert lines[-1] == "Nothing stored for 2027: 4 row(s) with errors, 0 warning(s)."
    assert "nothing stored" in captured.err
    assert with_app(_years) == [] and with_app(_audits) == []


def test_only_pointless_rows_store_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "weekend.csv", "2027-01-02,休\n2027-01-04,班\n")
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 1
    assert "No row changes the calendar" in capsys.readouterr().out
    assert with_app(_years) == []


def test_official_year_needs_force(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, "2025.csv", "2025-03-03,休\n")
    assert main(["holidays", "import", str(path), "--lang", "en"]) == 1
    assert "2025 is covered by the official data (chinesecalendar" in capsys.readouterr().out
    assert with_app(_years) == []
    assert main(["holidays", "import", str(path), "--force", "--lang", "en"]) == 0

    async def check(_app: App, session: AsyncSession) -> tuple[bool, bool]:
        """Whether 2025-03-03 and 2025-10-08 are working days in the calendar in use."""
        calendar = await load_calendar(session)
        return calendar.is_workday(date(2025, 3, 3)), calendar.is_workday(date(2025, 10, 8))

    assert with_app(check) == (False, True), "the forced year replaces the official 2025"
    capsys.readouterr()
    assert main(["holidays", "list"]) == 0
    assert "loaded: 2025 (replaces the official data): 1 day(s) off" in capsys.readouterr().out


def test_xlsx_with_year_option(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _xlsx([["日期", "类型"], [datetime(2027, 1, 1), "休"], [datetime(2027, 2, 6), "班"], [datetime(2028, 1, 3), "休"]])
    path = _write(workdir, "2027.xlsx", data)
    assert main(["holidays", "import", str(path), "--year", "2028", "--lang", "en"]) == 1
    assert "row 2: error: 2027-01-01 is not in 2028 (one file holds one year)" in capsys.readouterr().out
    assert main(["holidays", "import", str(path), "--year", "2027", "--lang", "en"]) == 1, "the 2028 row is an error"
    path.write_bytes(_xlsx([["日期", "类型"], [datetime(2027, 1, 1), "休"], [datetime(2027, 2, 6), "班"]]))
    assert main(["holidays", "import", str(path), "--year", "2027", "--lang", "en"]) == 0
    assert [y.year for y in with_app(_years)] == [2027]


def test_unreadable_and_missing_files(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["holidays", "import", str(_write(workdir, "old.xls", b"\xd0\xcf\x11\xe0xx")), "--lang", "en"]) == 1
    assert "Old .xls workbooks are not supported" in capsys.readouterr().out
    assert main(["holidays", "import", str(workdir / "nope.csv")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_list_shows_official_loaded_and_missing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["holidays", "list"]) == 0
    before = capsys.readouterr().out
    assert "official (chinesecalendar" in before and ": 2004–2026" in before
    assert "2027" in before.split("missing: ")[1]
    assert main(["holidays", "import", str(_write(workdir, "2027.csv", GOOD_2027))]) == 0
    capsys.readouterr()
    assert main(["holidays", "list"]) == 0
    after = capsys.readouterr().out
    assert "loaded: 2027: 4 day(s) off, 2 make-up working day(s); from 2027.csv" in after
    assert "2027" not in after.split("missing: ")[1].split(";")[0]


@pytest.mark.parametrize("args", [["holidays"], ["holidays", "import"], ["holidays", "list"], ["deadlines"]])
def test_help(workdir: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    assert "usage: skillbot" in capsys.readouterr().out


# --- the chat service ---------------------------------------------------------------------------------------------


async def test_import_calendar_service_for_a_chat_upload(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    pin_official_data(monkeypatch)
    data = _xlsx([["date", "kind"], [datetime(2027, 1, 1), "休"], [datetime(2027, 2, 6), "班"]])
    async with app.sessions() as session:
        report = await import_calendar(app, session, data, 900001, dry_run=True)
        assert (report.outcome, report.written, report.failed) == ("created", False, False)
        report = await import_calendar(app, session, data, 900001)
        assert report.written
        await session.commit()
    async with app.sessions() as session:
        (stored,) = (await session.exec(select(WorkCalendarYear))).all()
        assert stored.loaded_by == 900001 and stored.source == "chat"
        (entry,) = (await session.exec(select(AuditLog).where(AuditLog.entity == "work_calendar_year"))).all()
        assert entry.actor_id == 900001
        assert (await load_calendar(session)).source(2027) == "loaded"
    lines = report_lines(app.i18n, "zh_CN", report)
    assert lines == ["第 2 行：2027-01-01（星期五）：放假", "第 3 行：2027-02-06（星期六）：调休上班",
                     "已保存 2027 年：放假 1 天，调休上班 1 天；2027 年的时限不再是暂定。"]
