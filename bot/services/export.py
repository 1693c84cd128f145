"""The application roster of one announcement as an xlsx workbook in the 申报表 field order (R4).

The roster is the official list handed to the evaluation body, so it carries FULL ID numbers and mobile
numbers; they are decrypted only in memory, written only into the workbook and never logged. Every export is
audited (who, which announcement, how many rows).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services.review import local_time
from flows.replies import Label
from flows.review_card import held_lines, level_label, status_label, subjects_label
from storage.models import Announcement, Application, Occupation
from storage.repositories import applications, audit

# R4 申报表 column order; each column's header is `export.col_<name>` in the reader's language.
COLUMNS = (
    "index", "number", "name", "gender", "birth_date", "education_major", "id_type", "id_number", "mobile",
    "category", "work_unit", "held", "occupation", "level", "subjects", "post", "years", "status", "submitted",
)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an xlsx cell cannot hold


@dataclass(frozen=True)
class Roster:
    """An exported workbook: its bytes, a file name and the row count."""

    content: bytes
    filename: str
    rows: int
    title: str


def _text(app: App, locale: str, value: Any) -> str:
    if isinstance(value, Label):
        return app.i18n.label(locale, value)
    return "" if value is None else str(value)


def _held(app: App, locale: str, held: list[dict[str, Any]]) -> str:
    parts = []
    for row in held_lines(held):
        fields = [_text(app, locale, row[k]) for k in ("kind", "name", "level", "number", "date", "issuer")]
        parts.append(" / ".join(f for f in fields if f))
    return "; ".join(parts)


def _years(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _row(app: App, locale: str, index: int, a: Application, occupation: Occupation | None) -> list[Any]:
    def label(key: str, params: dict[str, Any] | None = None) -> str:
        return app.i18n.render(locale, key, params)

    occupation_text = ""
    if occupation is not None:
        occupation_text = label("export.occupation", {"name": occupation.name, "work_type": occupation.work_type})
    return [
        index,
        a.number,
        a.name,
        label(f"gender.{a.gender}") if a.gender in ("male", "female") else a.gender,
        a.birth_date.isoformat(),
        " / ".join(p for p in (label(f"education.{a.education}"), a.major) if p),
        label(f"id_type.{a.id_type}"),
        app.cipher.decrypt(a.id_number_enc) or "",
        app.cipher.decrypt(a.mobile_enc) or "",
        label(f"category.{a.category}"),
        a.work_unit,
        _held(app, locale, list(a.held_certificates or [])),
        occupation_text,
        _text(app, locale, level_label(a.level)),
        _text(app, locale, subjects_label(list(a.subjects or []))),
        a.post,
        _years(a.years_in_post),
        _text(app, locale, status_label(a.status)),
        local_time(a.submitted_at, app.tz),
    ]


def workbook(sheet_title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    """xlsx bytes: bold frozen header row; every text cell stored as text (never a formula)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    for r, values in enumerate([headers, *rows], start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = _ILLEGAL.sub("", value)
                cell.data_type = "s"  # "=…" typed by an applicant stays text
            else:
                cell.value = value
            if r == 1:
                cell.font = Font(bold=True)
    for c, header in enumerate(headers, start=1):
        longest = max([len(str(v[c - 1])) for v in rows] + [len(header)])
        sheet.column_dimensions[get_column_letter(c)].width = min(max(10, longest * 1.6), 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def roster(app: App, session: AsyncSession, announcement_id: int, locale: str, actor_id: int | None) -> Roster | None:
    """Build the announcement's roster in `locale` and audit the export; None when there is no such announcement."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None:
        return None
    occupations: dict[int, Occupation | None] = {}
    rows = []
    for index, application in enumerate(await applications.of_announcement(session, announcement_id), start=1):
        if application.occupation_id not in occupations:
            occupations[application.occupation_id] = await session.get(Occupation, application.occupation_id)
        rows.append(_row(app, locale, index, application, occupations[application.occupation_id]))
    headers = [app.i18n.render(locale, f"export.col_{name}") for name in COLUMNS]
    content = workbook(app.i18n.render(locale, "export.sheet_title"), headers, rows)
    filename = f"applications_{announcement_id}.xlsx"
    after = {"announcement": announcement_id, "rows": len(rows), "format": "xlsx", "locale": locale}
    await audit.record(session, actor_id, "export", "announcement", announcement_id, None, after)
    return Roster(content=content, filename=filename, rows=len(rows), title=announcement.title)
