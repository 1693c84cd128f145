"""`skillbot deadlines`: the exact JSON shape, the readable table, unknown policy (exit 2), POLICY default, provisional
dates beyond the holiday data and how loading the year clears them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.cli_env import clean_workdir, migrated_workdir
from tests.support.official_days import pin_official_data

KEYS = ["rule", "title", "due", "basis", "provisional", "kind", "anchor"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with a migrated store."""
    pin_official_data(monkeypatch)
    return migrated_workdir(tmp_path, monkeypatch)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["deadlines", *args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list)
    return data


def test_json_shape_and_values(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(capsys, "--policy", "hunan-2022", "--exam-date", "2025-10-09", "--issue-date", "2025-11-03", "--lang", "en")
    assert all(list(row) == KEYS for row in rows)
    assert all(isinstance(row["provisional"], bool) and isinstance(row["due"], str) for row in rows)
    by_rule = {row["rule"]: row for row in rows}
    assert list(by_rule) == ["P1", "P2", "P3", "P4", "P7", "P7-late", "P8-paper", "P8-electronic"], "P7-correct waits"
    assert by_rule["P2"] == {
        "rule": "P2",
        "title": "Batch plan filed with the local centre before the exam",
        "due": "2025-09-23",
        "basis": "003 湘人社鉴函〔2022〕1号 二(三)：“评价机构开展认定工作应提前7个工作日将具体认定的批次计划报属地鉴定中心备案”",
        "provisional": False,
        "kind": "due",
        "anchor": "exam_date",
    }
    assert by_rule["P7"]["due"] == "2025-12-15" and by_rule["P8-paper"]["kind"] == "not_before"


def test_titles_follow_lang(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zh = _json(capsys, "--policy", "nanchang-2025", "--exam-date", "2025-10-13", "--lang", "zh_CN")
    en = _json(capsys, "--policy", "nanchang-2025", "--exam-date", "2025-10-13", "--lang", "en")
    assert zh[1]["title"] == "考前向属地中心报备批次计划" and en[1]["title"].startswith("Batch plan filed")
    assert [r["due"] for r in zh] == [r["due"] for r in en]
    assert zh[1]["due"] == "2025-09-23"


def test_policy_defaults_to_the_setting(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY", "nanchang-2025")
    rows = _json(capsys, "--exam-date", "2025-10-13")
    assert {"rule": "P2", "due": "2025-09-23"}.items() <= rows[1].items()
    monkeypatch.delenv("POLICY")
    rows = _json(capsys, "--exam-date", "2025-10-13")
    # hunan-2022 by default, 7 working days: Oct 11 (Sat), 10, 9, Sep 30, 29, 28 (Sun), 26.
    assert rows[1]["due"] == "2025-09-26"


def test_unknown_policy_exits_2_listing_the_known_ones(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadlines", "--policy", "beijing-2030", "--exam-date", "2025-10-13", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "skillbot: error: unknown policy 'beijing-2030'; known policies: hunan-2022, nanchang-2025"


def test_bad_arguments_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["deadlines", "--exam-date", "13/10/2025"])
    assert exit_.value.code == 2 and "not a date (YYYY-MM-DD)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["deadlines", "--policy", "hunan-2022"])
    assert exit_.value.code == 2, "--exam-date is required"
    assert main(["deadlines", "--exam-date", "2025-10-13", "--exam-end", "2025-10-12"]) == 2
    assert "--exam-end is before --exam-date" in capsys.readouterr().err


def test_beyond_the_data_is_provisional_until_the_year_is_loaded(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--policy", "hunan-2022", "--exam-date", "2027-01-12", "--lang", "en")
    before = {r["rule"]: r for r in _json(capsys, *args)}
    assert (before["P2"]["due"], before["P2"]["provisional"]) == ("2027-01-01", True), "weekends-only: Fri Jan 1 counted"
    assert before["P3"]["provisional"] is False and before["P1"]["provisional"] is False
    capsys.readouterr()
    assert main(["deadlines", *args]) == 0
    table = capsys.readouterr().out
    assert "2027-01-01  Batch plan filed with the local centre before the exam  [provisional]" in table
    assert "Provisional: a date depends on a year without official holiday data" in table
    (workdir / "2027.csv").write_text("2027-01-01,休\n", encoding="utf-8")
    assert main(["holidays", "import", str(workdir / "2027.csv")]) == 0
    after = {r["rule"]: r for r in _json(capsys, *args)}
    # Jan 11, 8, 7, 6, 5, 4, then Jan 1 is off: Dec 31 2026.
    assert (after["P2"]["due"], after["P2"]["provisional"]) == ("2026-12-31", False)


def test_table_lists_waiting_rules_and_kinds(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadlines", "--policy", "nanchang-2025", "--exam-date", "2025-10-13", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Deadlines under nanchang-2025 (")
    assert "P6: waiting for the end of the publicity (--publicity-end or --publicity-start)" in out
    assert "P8-paper       2028-10-13  Paper records of the batch kept at least until  [not before]" in out
    assert "004 南昌市通知 四(四)" in out
    assert "Provisional" not in out


def test_needs_a_migrated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clean_workdir(tmp_path, monkeypatch)
    assert main(["deadlines", "--exam-date", "2025-10-13"]) == 1
    assert "skillbot db upgrade" in capsys.readouterr().err
