"""The certificate roster (花名册, seed 004 附件5 columns) as an xlsx workbook, for the authorities.

It is the official roster, so it carries FULL ID numbers: they are decrypted only in memory, written only into the
workbook and never logged. Only valid certificates are listed. Every export is audited (who, which body, how many
rows). The workbook is written in openpyxl's streaming mode, so large registries fit in memory; text cells stay text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.rules.id_types import ID_TYPES
from bot.services.cert_roster_read import FIELDS
from storage.models import Institution
from storage.repositories import audit, certificates

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an xlsx cell cannot hold
WIDTHS = {"name": 12, "id_type": 16, "id_number": 22, "work_unit": 30, "occupation": 16, "work_type": 16, "level": 16,
          "number": 26, "issue_date": 12, "evaluator": 26, "issuer": 26}


@dataclass(frozen=True)
class RosterExport:
    """An exported workbook: its bytes, a file name and the row count."""

    content: bytes
    filename: str
    rows: int


def _cell(sheet: WriteOnlyWorksheet, value: str) -> Any:
    """A text value as written: plain, or a cell forced to text when it would read as a formula."""
    value = _ILLEGAL.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


async def export_roster(app: App, session: AsyncSession, locale: str, actor_id: int | None, institution: Institution | None) -> RosterExport:
    """Build the roster of valid certificates (of one institution: its evaluator name or K2 prefix) and audit the export."""
    render = app.i18n.render
    book = Workbook(write_only=True)
    sheet = book.create_sheet(render(locale, "cert_import.sheet_title")[:31])
    for index, name in enumerate(FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[name]
    sheet.freeze_panes = "A2"
    header = []
    for name in FIELDS:
        cell = WriteOnlyCell(sheet, render(locale, f"cert_import.col.{name}"))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    id_types = {t.code: render(locale, f"id_type.{t.code}") for t in ID_TYPES}
    levels = {n: render(locale, f"level.{n}") for n in range(1, 6)}
    evaluator, prefix = (institution.name, institution.code) if institution is not None else ("", "")
    rows = 0
    async for row in certificates.roster_rows(session, evaluator, prefix):
        number, holder, id_type, id_enc, unit, occupation, work_type, level, issued, body, issuer = row
        values = [
            holder, id_types.get(id_type, id_type), app.cipher.decrypt(id_enc) or "", unit, occupation, work_type,
            levels.get(level, str(level)), number, issued.isoformat(), body, issuer,
        ]
        sheet.append([_cell(sheet, v) for v in values])
        rows += 1
    out = io.BytesIO()
    book.save(out)
    code = institution.code if institution is not None else None
    after = {"rows": rows, "institution": code, "format": "xlsx", "locale": locale}
    await audit.record(session, actor_id, "export", "certificate", "roster", None, after)
    filename = f"certificates_{code}.xlsx" if code else "certificates.xlsx"
    return RosterExport(out.getvalue(), filename, rows)
