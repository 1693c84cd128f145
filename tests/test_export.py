"""Roster export (R4 order, full values, text cells, audited) from the CLI; resubmission guarded in the service."""

from __future__ import annotations

import asyncio
import io
import stat
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App, build_app
from bot.cli import main
from bot.services import resubmission
from bot.services.export import COLUMNS, roster
from bot.settings import Settings
from storage.models import Application
from storage.repositories import audit, users
from tests.support.applications import ID_NUMBER, MOBILE, insert_application
from tests.support.catalog import open_announcement
from tests.test_cli import workdir  # noqa: F401  (fixture)


async def test_roster_cells_are_text_and_headers_follow_the_locale(app: App) -> None:
    announcement = await open_announcement(app, date.today())
    await insert_application(app, announcement, 5, work_unit="=HYPERLINK(\"http://x\")\x01", status="approved")
    async with app.sessions() as session:
        exported = await roster(app, session, announcement.id or 0, "en", 77)
        await session.commit()
        entries = await audit.for_entity(session, "announcement", announcement.id or 0)
    assert exported is not None and exported.rows == 1
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == [app.i18n.render("en", f"export.col_{c}") for c in COLUMNS] and header[7] == "ID number"
    row = dict(zip(header, [c for c in sheet[2]]))
    assert row["Employer"].value == '=HYPERLINK("http://x")' and row["Employer"].data_type == "s"
    assert row["ID number"].value == ID_NUMBER and row["Mobile"].value == MOBILE and row["Status"].value == "approved"
    assert [(e.actor_id, e.after) for e in entries] == [(77, {"announcement": announcement.id, "rows": 1, "format": "xlsx", "locale": "en"})]


async def test_resubmission_only_of_the_owners_fixable_application(app: App) -> None:
    announcement = await open_announcement(app, date.today())
    approved = await insert_application(app, announcement, 5, status="approved")
    rejected = await insert_application(app, announcement, 5, number="SQ2026000002", status="rejected")
    async with app.sessions() as session:
        owner = await users.set_role(session, 5, "candidate")
        stranger = await users.set_role(session, 6, "candidate")
        fresh = Application(**{**rejected.model_dump(), "work_unit": "新单位"})
        for user, target in ((owner, approved), (stranger, rejected)):
            with pytest.raises(ValueError):
                await resubmission.update_existing(session, user, target.id or 0, fresh)
        updated = await resubmission.update_existing(session, owner, rejected.id or 0, fresh)
        assert updated.status == "submitted" and updated.work_unit == "新单位" and updated.number == "SQ2026000002"
        assert await resubmission.fix_facts(app, session, 6, rejected.id) is None


def test_cli_export_writes_a_private_roster_and_audits(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["db", "upgrade"]) == 0

    async def seed() -> int:
        application = build_app(Settings(_env_file=None))  # type: ignore[call-arg]
        try:
            announcement = await open_announcement(application, date.today())
            await insert_application(application, announcement, 5)
            return announcement.id or 0
        finally:
            await application.close()

    announcement_id = asyncio.run(seed())
    out = workdir / "roster.xlsx"
    assert main(["export", "applications", "--announcement", str(announcement_id), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 1 application" in printed and ID_NUMBER not in printed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    sheet = load_workbook(out).active
    assert sheet is not None and sheet["A1"].value == "序号" and sheet["H2"].value == ID_NUMBER
    assert main(["export", "applications", "--announcement", "999", "--out", str(workdir / "x.xlsx")]) == 1
    assert "announcement 999 not found" in capsys.readouterr().err
