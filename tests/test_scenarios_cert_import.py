"""Staff import certificate rosters sent in chat and export the roster, on every Telegram transport."""

from __future__ import annotations

import io
import itertools
from typing import Any

from openpyxl import load_workbook
from sqlmodel import select

from bot.services.cert_roster_import import vocabulary
from bot.services.cert_roster_read import open_roster
from storage.models import AuditLog, Certificate
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.fake_bot_api import ApiCall
from tests.test_cert_roster import ZH_HEADERS, number, resident_id, roster_csv, roster_xlsx, row, seed_scope

CANDIDATE = 630001
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_uploads = itertools.count(1)


def send_file(harness: Harness, user: int, content: bytes, name: str = "花名册.xlsx", mime: str | None = XLSX) -> dict[str, Any]:
    """A document message whose file the emulator serves."""
    file_id = f"BQAC-roster-{next(_uploads)}"
    harness.api.files[file_id] = content
    document = {"file_id": file_id, "file_unique_id": file_id[::-1], "file_name": name, "file_size": len(content)}
    if mime:
        document["mime_type"] = mime
    return u.message(user, document=document)


def callbacks(harness: Harness) -> list[str]:
    return [str(b.get("callback_data")) for b in harness.buttons()]


def uploaded(call: ApiCall, field: str) -> bytes:
    """Bytes of an uploaded file: sent as the field itself (PTB) or as `attach://name` (aiogram)."""
    ref = str(call.params.get(field, ""))
    return call.files[ref.removeprefix("attach://")] if ref.startswith("attach://") else call.files[field]


async def numbers(harness: Harness) -> list[str]:
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Certificate.number).order_by(Certificate.number))).all())  # type: ignore[arg-type]


async def test_staff_check_then_confirm_an_xlsx_roster(harness: Harness) -> None:
    await seed_scope(harness.app)
    await harness.feed(send_file(harness, ADMIN_ID, roster_xlsx([row(1), row(2)])))
    report = harness.last_text()
    assert "花名册.xlsx" in report and "共 2 行" in report and "将新增 2 条" in report
    assert callbacks(harness) == ["ci:ok", "ci:no"]
    assert await numbers(harness) == [], "nothing is stored before the confirmation"
    harness.clear()
    await harness.feed(u.callback(ADMIN_ID, "ci:ok"))
    assert "已导入：新增证书 2 条" in harness.last_text()
    assert harness.api.calls_of("getFile"), "the file is downloaded again on confirmation"
    assert await numbers(harness) == sorted([number(1), number(2)])
    async with harness.app.sessions() as session:
        [audited] = (await session.exec(select(AuditLog).where(AuditLog.entity == "certificate"))).all()
    assert audited.actor_id == ADMIN_ID and audited.action == "import" and audited.after and audited.after["created"] == 2
    await harness.feed(u.callback(ADMIN_ID, "ci:ok"))
    assert "没有待导入的花名册" in harness.last_text(), "a second press imports nothing"
    assert resident_id(1) not in " ".join(harness.texts())

    await harness.feed(send_file(harness, ADMIN_ID, roster_csv([row(1), row(2)]), "again.csv", mime=None))
    assert "均已存在且内容相同" in harness.last_text() and "ci:ok" not in callbacks(harness)


async def test_a_bad_roster_is_reported_per_row_without_a_confirm_button(harness: Harness) -> None:
    await seed_scope(harness.app)
    bad = [row(1), row(2, level="一级", number=number(2, level=1)), row(3, issue_date="明天"), row(4, number=number(1))]
    await harness.feed(send_file(harness, ADMIN_ID, roster_csv(bad), "roster.csv", "text/csv"))
    report = harness.last_text()
    assert "发现 3 个问题" in report
    assert "第 3 行：评价机构没有为“电工”备案一级/高级技师" in report
    assert "第 4 行：发证日期不是有效日期" in report and "第 5 行：证书编号与第 2 行重复" in report
    assert not [d for d in callbacks(harness) if d.startswith("ci:")]
    await harness.feed(u.callback(ADMIN_ID, "ci:ok"))
    assert "没有待导入的花名册" in harness.last_text()
    assert await numbers(harness) == []


async def test_dropping_a_checked_roster(harness: Harness) -> None:
    await seed_scope(harness.app)
    await harness.feed(send_file(harness, ADMIN_ID, roster_xlsx([row(1)])))
    await harness.feed(u.callback(ADMIN_ID, "ci:no"))
    assert "未导入" in harness.last_text()
    await harness.feed(u.callback(ADMIN_ID, "ci:ok"))
    assert "没有待导入的花名册" in harness.last_text() and await numbers(harness) == []


async def test_a_candidate_sending_an_xlsx_is_not_offered_an_import(harness: Harness) -> None:
    await seed_scope(harness.app)
    await harness.feed(send_file(harness, CANDIDATE, roster_xlsx([row(1)])))
    assert "花名册" not in harness.last_text() and "ci:ok" not in callbacks(harness)
    assert not harness.api.calls_of("getFile"), "a candidate's spreadsheet is not even downloaded"
    await harness.feed(u.callback(CANDIDATE, "ci:ok"))
    assert await numbers(harness) == []


async def test_export_certificates_sends_a_roster_that_parses_back(harness: Harness) -> None:
    await seed_scope(harness.app)
    await harness.feed(u.command(ADMIN_ID, "export_certificates"))
    assert "没有可导出的有效证书" in harness.last_text()
    await harness.feed(send_file(harness, ADMIN_ID, roster_xlsx([row(1), row(2, id_type="227", id_number="E12345678")])))
    await harness.feed(u.callback(ADMIN_ID, "ci:ok"))
    await harness.feed(u.command(ADMIN_ID, "export_certificates", "NOPE"))
    assert "没有代码为 NOPE 的机构" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "export_certificates"))
    call = harness.api.calls_of("sendDocument")[-1]
    assert "完整的证件号码" in str(call.params["caption"]) and "2" in str(call.params["caption"])
    content = uploaded(call, "document")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None and [c.value for c in sheet[1]] == ZH_HEADERS
    parsed = {cells[7]: cells for _, cells in open_roster(content, vocabulary(harness.app.i18n)).rows}
    assert set(parsed) == {number(1), number(2)}
    assert parsed[number(1)][:3] == (row(1)[0], "居民身份证", resident_id(1)) and parsed[number(2)][2] == "E12345678"
    assert [cell or "" for cell in parsed[number(1)][3:]] == row(1)[3:6] + ["四级/中级工", number(1), "2025-06-28"] + row(1)[9:]
    harness.clear()
    await harness.feed(send_file(harness, ADMIN_ID, content, "certificates.xlsx"))
    assert "均已存在且内容相同" in harness.last_text(), "the exported roster imports unchanged"
    await harness.feed(u.command(CANDIDATE, "export_certificates"))
    assert not harness.api.calls_of("sendDocument")
