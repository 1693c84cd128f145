"""Records (the room record) as xlsx workbooks from the same layout items as their PDF: one sheet per document.

A sheet reads top to bottom like the page: the title, subtitles, the fields as label/value rows, each section's
heading, tables with a bold shaded header row, bullets and notes. Short whole numbers (seats, counts) become numbers;
every other value is stored as text (never a formula: "=…" stays text).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.rendering.layout import Bullet, Field, Item, Note, Section, Slot, Subtitle, Table, Title

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an xlsx cell cannot hold
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SMALL_NUMBER = re.compile(r"^[0-9]{1,6}$")
SHEET_TITLE_LIMIT = 31
HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
MIN_WIDTH, MAX_WIDTH = 8, 60


def _display_width(text: str) -> int:
    """Columns a text needs: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title (at most 31 characters, none of []:*?/\\) for a document name."""
    base = _SHEET_FORBIDDEN.sub("_", name).strip("'") or "sheet"
    title = base[:SHEET_TITLE_LIMIT]
    number = 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title = base[: SHEET_TITLE_LIMIT - len(suffix)] + suffix
        number += 1
    taken.add(title.lower())
    return title


def _value(text: str) -> str | int:
    return int(text) if _SMALL_NUMBER.match(text) else _ILLEGAL.sub("", text)


class _SheetWriter:
    """Appends layout items to one worksheet, row by row, tracking column widths."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 1
        self.widths: dict[int, int] = {}

    def put(self, column: int, text: str, bold: bool = False, fill: PatternFill | None = None, size: float | None = None) -> None:
        """One cell of the current row."""
        cell = self.sheet.cell(row=self.row, column=column)
        value = _value(text)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        if fill is not None:
            cell.fill = fill
        self.widths[column] = max(self.widths.get(column, 0), _display_width(text))

    def line(self, text: str, bold: bool = False, size: float | None = None) -> None:
        """A row with one text in the first column (its width is not counted: it may overflow to the right)."""
        cell = self.sheet.cell(row=self.row, column=1)
        cell.value = _ILLEGAL.sub("", text)
        cell.data_type = "s"
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        self.row += 1

    def item(self, item: Item) -> None:
        """Write one item (a blank row separates a section from what came before)."""
        if isinstance(item, Title):
            self.line(item.text, bold=True, size=14)
        elif isinstance(item, Subtitle):
            self.line(item.text)
        elif isinstance(item, Field):
            self.put(1, item.label, bold=True)
            self.put(2, item.value)
            self.row += 1
        elif isinstance(item, Section):
            self.row += 1
            self.line(item.text, bold=True, size=12)
        elif isinstance(item, Table):
            for column, text in enumerate(item.header, start=1):
                self.put(column, text, bold=True, fill=HEAD_FILL)
            self.row += 1
            for values in item.rows:
                for column, text in enumerate(values, start=1):
                    self.put(column, text)
                self.row += 1
        elif isinstance(item, Bullet):
            self.line(f"• {item.text}")
        elif isinstance(item, Note):
            self.line(item.text)

    def finish(self) -> None:
        """Column widths from the widest cell of each column."""
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = min(max(MIN_WIDTH, width + 2), MAX_WIDTH)


def workbook(documents: Sequence[tuple[str, tuple[Item, ...]]]) -> bytes:
    """xlsx bytes with one sheet per (name, items) document, in order."""
    book = Workbook()
    default = book.active
    taken: set[str] = set()
    for name, items in documents:
        writer = _SheetWriter(book.create_sheet(sheet_title(name, taken)))
        for item in items:
            if not isinstance(item, Slot):
                writer.item(item)
        writer.finish()
    if default is not None and len(book.worksheets) > 1:
        book.remove(default)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
