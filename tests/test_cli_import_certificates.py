"""`skillbot import-certificates` and `skillbot export certificates`: all or nothing, idempotent, audited, private file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import main
from storage.models import AuditLog, Certificate
from tests.support.cli_env import in_store, migrated_workdir, with_app
from tests.test_cert_roster import SCHOOL_CODE, ZH_HEADERS, number, resident_id, roster_csv, roster_xlsx, row, seed_scope


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with a migrated store holding the test school and its filed occupations."""
    migrated_workdir(tmp_path, monkeypatch)
    with_app(lambda app, _session: seed_scope(app))
    return tmp_path


async def _numbers(session: AsyncSession) -> list[str]:
    return list((await session.exec(select(Certificate.number).order_by(Certificate.number))).all())  # type: ignore[arg-type]


async def _audit(session: AsyncSession) -> list[tuple[str, dict | None]]:
    rows = (await session.exec(select(AuditLog).where(AuditLog.entity == "certificate").order_by(AuditLog.id))).all()  # type: ignore[arg-type]
    return [(r.action, r.after) for r in rows]


def test_import_then_again_unchanged(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / "roster.xlsx"
    path.write_bytes(roster_xlsx([row(1), row(2)]))
    assert main(["import-certificates", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "imported 2 row(s): 2 created, 0 unchanged" and captured.err == ""
    assert main(["import-certificates", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported 2 row(s): 0 created, 2 unchanged"
    assert in_store(_numbers) == sorted([number(1), number(2)])
    assert [action for action, _ in in_store(_audit)] == ["import", "import"]


def test_any_problem_writes_nothing_and_names_every_row(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / "roster.csv"
    rows = [row(1), row(2, id_number=resident_id(2)[:17] + "Z"), row(3, level="三级", number=number(3, level=3), occupation="车工",
            work_type="数控车床"), row(4, number=number(1))]
    path.write_bytes(roster_csv(rows, encoding="gb18030"))
    assert main(["import-certificates", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert lines == [
        "row 3: the ID number is not a valid Resident ID card number",
        "row 4: the evaluation body has not filed Level 3 / senior worker for “车工” (certification stays within filed occupations and levels)",
        "row 5: the certificate number already appears in row 2",
        "skillbot: error: 3 problem(s) in 4 row(s); nothing imported",
    ]
    assert resident_id(2)[:17] not in captured.err, "ID numbers are never echoed"
    assert in_store(_numbers) == [] and in_store(_audit) == []


def test_dry_run_reports_and_writes_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / "roster.csv"
    path.write_bytes(roster_csv([row(1)], encoding="utf-8-sig"))
    assert main(["import-certificates", "--dry-run", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "dry run: nothing written; 1 row(s) checked: 1 would be created, 0 unchanged"
    assert in_store(_numbers) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "old Excel workbook (.xls)"),
        ("甲,乙\n1,2\n".encode(), "no header row"),
        (",".join(ZH_HEADERS[:8]).encode() + b"\n", "the header row lacks the column(s): Issue date, Evaluation body, Issuing body"),
        (",".join(ZH_HEADERS).encode() + b"\n", "the roster holds no data row"),
    ],
    ids=["xls", "no-header", "missing-columns", "empty"],
)
def test_unusable_files_fail_with_one_line(workdir: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str) -> None:
    path = workdir / "roster.csv"
    path.write_bytes(content)
    assert main(["import-certificates", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("skillbot: error: ") and expected in err[0]
    assert main(["import-certificates", str(workdir / "missing.xlsx")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_export_writes_a_private_roster_that_imports_unchanged(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = workdir / "in.csv"
    source.write_bytes(roster_csv([row(1), row(2)]))
    assert main(["import-certificates", str(source)]) == 0
    out = workdir / "roster.xlsx"
    assert main(["export", "certificates", "--out", str(out), "--institution", SCHOOL_CODE]) == 0
    printed = capsys.readouterr().out
    assert "wrote 2 valid certificate(s)" in printed and resident_id(1) not in printed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    sheet = load_workbook(out).active
    assert sheet is not None and [c.value for c in sheet[1]] == ZH_HEADERS and sheet["C2"].value in (resident_id(1), resident_id(2))
    assert main(["import-certificates", str(out)]) == 0
    assert "0 created, 2 unchanged" in capsys.readouterr().out
    assert [a for a, _ in in_store(_audit)] == ["import", "export", "import"]
    assert main(["export", "certificates", "--out", str(workdir / "x.xlsx"), "--institution", "NOPE"]) == 1
    assert "institution NOPE not found" in capsys.readouterr().err


def test_help(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["import-certificates", "--help"], ["export", "certificates", "--help"]):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 0 and "usage: skillbot" in capsys.readouterr().out
