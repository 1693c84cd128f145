"""`skillbot import-announcements`: validated with the form's rules, all or nothing, idempotent, audited."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import build_app
from bot.cli import main
from bot.services import announcement_file
from bot.services.announcement_import import import_entries
from bot.settings import Settings
from storage.models import Announcement, AuditLog, Institution, Occupation
from tests.support.cli_env import in_store, migrated_workdir

EXAMPLE = Path(__file__).resolve().parent.parent / "bot" / "data" / "announcements_example.toml"
TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
START, END = TODAY + timedelta(days=3), TODAY + timedelta(days=20)

GOOD = f'''
[[announcement]]
institution = "S000036010027"
occupation = "6-31-01-03"
title = "电工认定报名公告"
registration_start = {START.isoformat()}
registration_end = {END.isoformat()}
sites = ["实训楼A座"]
fee_yuan = 200

[announcement.levels.5]
text = "累计从事本职业工作1年以上。"
min_years = 1

[announcement.levels.4]
text = "取得五级证书后工作4年以上，或累计工作6年以上。"
min_years = 4
prior_level = 5
alternative_years = 6
'''

BAD = GOOD + f'''
[[announcement]]
occupation = "6-31-01-03"
title = "电工证包过！"
registration_start = {START.isoformat()}
registration_end = {(START - timedelta(days=1)).isoformat()}
sites = ["实训楼A座"]
fee_yuan = 200000

[announcement.levels.2]
text = "取得三级证书后工作4年以上。"
subjects = ["theory", "practical"]

[[announcement]]
occupation = "9-99-99"
title = "未备案职业的公告"
registration_start = {START.isoformat()}
registration_end = {END.isoformat()}
sites = ["A"]
fee_yuan = 0
levels = {{}}

[[announcement]]
occupation = "6-31-01-03"
registration_start = "next monday"
registration_end = {END.isoformat()}
sites = "A"
fee_yuan = "200"
colour = "red"
levels = {{}}
'''


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with a migrated store holding one institution and its filed occupations."""
    migrated_workdir(tmp_path, monkeypatch)
    in_store(_seed)
    return tmp_path


async def _seed(session: AsyncSession) -> None:
    school = Institution(code="S000036010027", name="南昌赣江技工学校", kind="技工院校")
    session.add(school)
    await session.flush()
    assert school.id is not None
    session.add(Occupation(institution_id=school.id, code="6-31-01-03", name="电工", levels=[5, 4, 3]))
    session.add(Occupation(institution_id=school.id, code="6-18-01-01-02", name="车工", work_type="数控车床", levels=[5, 4]))
    await session.commit()


async def _announcements(session: AsyncSession) -> list[Announcement]:
    return list((await session.exec(select(Announcement).order_by(Announcement.id))).all())  # type: ignore[arg-type]


async def _audit(session: AsyncSession) -> list[str]:
    rows = (await session.exec(select(AuditLog).where(AuditLog.entity == "announcement").order_by(AuditLog.id))).all()  # type: ignore[arg-type]
    return [row.action for row in rows]


def _write(folder: Path, text: str) -> Path:
    path = folder / "announcements.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_then_updates_without_duplicates(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, GOOD)
    assert main(["import-announcements", str(path)]) == 0
    assert "entry 1 “电工认定报名公告”: created (announcement #1)" in capsys.readouterr().out
    assert main(["import-announcements", str(path)]) == 0
    assert "unchanged (announcement #1)" in capsys.readouterr().out
    _write(workdir, GOOD.replace("fee_yuan = 200", "fee_yuan = 180"))
    assert main(["import-announcements", str(path)]) == 0
    assert "updated (announcement #1)" in capsys.readouterr().out
    [stored] = in_store(_announcements)
    assert stored.fee_yuan == 180 and stored.levels == [5, 4] and stored.status == "open"
    assert stored.conditions["4"] == {
        "text": "取得五级证书后工作4年以上，或累计工作6年以上。", "min_years": 4, "prior_level": 5, "alternative_years": 6,
        "students_exempt": False, "subjects": ["theory", "practical"],
    }
    assert in_store(_audit) == ["import_create", "import_update"]


def test_any_error_writes_nothing_and_names_every_problem(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, BAD)
    assert main(["import-announcements", str(path)]) == 1
    captured = capsys.readouterr()
    err = captured.err
    assert "entry 1" not in err and captured.out == ""
    expected = [
        "entry 2 “电工证包过！”: The title uses forbidden advertising words: 包过.",
        "entry 2 “电工证包过！”: The body has not filed Level 2 / technician for this occupation",
        "entry 2 “电工证包过！”: Level 2 / technician needs the comprehensive review",
        "entry 2 “电工证包过！”: Registration cannot close before it opens",
        "entry 2 “电工证包过！”: The fee must be a whole number of yuan from 0 to 100000.",
        "entry 3 “未备案职业的公告”: the institution has not filed occupation code 9-99-99",
        "entry 4: unknown field colour",
        "entry 4: field title is missing",
        "entry 4: field registration_start must be a date such as 2026-03-01",
        "entry 4: field sites must be a list of texts",
        "entry 4: field fee_yuan must be an integer",
    ]
    for line in expected:
        assert line in err, f"{line!r} not in\n{err}"
    assert err.rstrip().endswith("nothing imported")
    assert in_store(_announcements) == []


def test_dry_run_reports_and_writes_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, GOOD)
    assert main(["import-announcements", "--dry-run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "entry 1 “电工认定报名公告”: would be created" in out and "dry run: nothing written" in out
    assert in_store(_announcements) == []


def test_a_start_in_the_past_is_refused_for_new_but_kept_on_update(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, GOOD)
    assert main(["import-announcements", str(path)]) == 0
    _write(workdir, GOOD.replace(f"registration_start = {START.isoformat()}", f"registration_start = {(TODAY - timedelta(days=1)).isoformat()}"))
    assert main(["import-announcements", str(path)]) == 1
    assert "Registration cannot open before today" in capsys.readouterr().err

    async def backdate(session: AsyncSession) -> None:
        [row] = await _announcements(session)
        row.registration_start = TODAY - timedelta(days=5)
        session.add(row)
        await session.commit()

    in_store(backdate)
    _write(workdir, GOOD.replace(f"registration_start = {START.isoformat()}", f"registration_start = {(TODAY - timedelta(days=5)).isoformat()}"))
    assert main(["import-announcements", str(path)]) == 0, "an unchanged start date of a running announcement is fine"


def test_same_title_twice_in_one_file_is_refused(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(workdir, GOOD + GOOD)
    assert main(["import-announcements", str(path)]) == 1
    assert "entry 2 “电工认定报名公告”: same institution and title as entry 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("title = [unclosed", "not a valid TOML file"), ("# nothing here\n", "holds no announcement")],
    ids=["not-toml", "empty"],
)
def test_unusable_files_fail_with_a_clear_line(workdir: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str) -> None:
    path = _write(workdir, text)
    assert main(["import-announcements", str(path)]) == 1
    assert expected in capsys.readouterr().err
    assert main(["import-announcements", str(workdir / "missing.toml")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_the_shipped_example_is_valid(workdir: Path) -> None:
    async def dry_run() -> list[str]:
        app = build_app(Settings(_env_file=None))  # type: ignore[call-arg]
        try:
            report = await import_entries(app, announcement_file.read(EXAMPLE), date(2026, 11, 23), dry_run=True)
        finally:
            await app.close()
        assert not report.failed, report.failed
        return [o.change for o in report.outcomes]

    assert asyncio.run(dry_run()) == ["created", "created"]


def test_help(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["import-announcements", "--help"])
    assert exit_.value.code == 0 and "--dry-run" in capsys.readouterr().out
