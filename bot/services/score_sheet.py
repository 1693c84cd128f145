"""The score sheet of a batch (xlsx template; the filled sheet read back from xlsx or CSV), framework- and store-free.

Layout: a header row (ticket number, name, one column per subject of the batch), then one row per ticket. A cell of a
subject the candidate does not sit holds `NOT_SAT`; a blank cell is a score not entered yet.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

NOT_SAT = "—"
MAX_ROWS = 5000
_GREY = PatternFill("solid", fgColor="DDDDDD")


@dataclass(frozen=True)
class TemplateRow:
    """One ticket of the template: its number, the holder's name and the subjects they sit."""

    number: str
    name: str
    subjects: frozenset[str]


@dataclass(frozen=True)
class SheetRow:
    """A data row read back: spreadsheet row number, ticket number and the cell text per subject key."""

    row: int
    ticket: str
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sheet:
    """The rows read back, or the problem of the whole file (`unreadable`, `no_header`)."""

    rows: tuple[SheetRow, ...] = ()
    problem: str | None = None


def clean(value: object) -> str:
    """A cell as text: full-width characters folded (NFKC), spaces trimmed, whole floats without `.0`."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.10g}"
    else:
        text = str(value)
    return unicodedata.normalize("NFKC", text).strip()


def build_template(
    rows: Sequence[TemplateRow], subjects: Sequence[str], headers: Mapping[str, str], title: str
) -> bytes:
    """The xlsx template: header `headers['ticket']`, `headers['name']`, then `headers[subject]` per subject."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31] or "scores"
    sheet.append([headers["ticket"], headers["name"], *(headers[s] for s in subjects)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.number, row.name, *("" if s in row.subjects else NOT_SAT for s in subjects)])
        for offset, subject in enumerate(subjects):
            if subject not in row.subjects:
                sheet.cell(row=sheet.max_row, column=3 + offset).fill = _GREY
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(content: bytes) -> list[list[str]] | None:
    """All rows as text from an xlsx (first sheet) or a UTF-8 / GB18030 CSV; None when unreadable."""
    if zipfile.is_zipfile(io.BytesIO(content)):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [[clean(v) for v in values] for values in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
            book.close()
            return rows
        except Exception:  # any broken workbook is reported as unreadable
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[clean(v) for v in row] for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 1]
    return None


def read_sheet(content: bytes, subject_words: Mapping[str, str]) -> Sheet:
    """Read a filled sheet; `subject_words` maps a folded header text to its subject key (any language)."""
    table = _table(content)
    if table is None:
        return Sheet(problem="unreadable")
    header_at = next((i for i, r in enumerate(table) if any(r)), None)
    if header_at is None:
        return Sheet(problem="no_header")
    header = table[header_at]
    columns = {i: subject_words[h.casefold()] for i, h in enumerate(header) if h.casefold() in subject_words}
    if not columns or not header or not header[0]:
        return Sheet(problem="no_header")
    rows = []
    for offset, values in enumerate(table[header_at + 1:], start=header_at + 2):
        if not any(values):
            continue
        cells = {subject: values[i] if i < len(values) else "" for i, subject in columns.items()}
        rows.append(SheetRow(offset, values[0] if values else "", cells))
    return Sheet(tuple(rows))
