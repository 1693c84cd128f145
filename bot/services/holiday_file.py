"""Read a holiday arrangement file (xlsx, or CSV in UTF-8 / GB18030) into rows `date, kind`; further columns (a
holiday's name, a note) are ignored, blank rows skipped, a first row naming the columns (日期 / date) skipped."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import load_workbook

from bot.rules.holiday_rows import RawRow, is_header
from bot.services.cert_roster import parse_date, text

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 2000  # a year has 366 days; anything longer is not an arrangement


class HolidayFileError(Exception):
    """The file cannot be read: `code` is one of holiday_rows.FILE_CODES (`holidays.file.<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HolidayFileError("unreadable")


def _csv_table(data: bytes) -> Iterable[Sequence[Any]]:
    content = _decode(data)
    if "\x00" in content[:4096]:
        raise HolidayFileError("unreadable")
    sample = "\n".join(content.splitlines()[:20])
    delimiter = max(",\t;", key=sample.count)
    try:
        return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error:
        raise HolidayFileError("unreadable") from None


def _xlsx_table(data: bytes) -> Iterable[Sequence[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise HolidayFileError("unreadable") from None
    return list(book.worksheets[0].iter_rows(values_only=True))  # type: ignore[union-attr]


def _cell(cells: Sequence[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def read_rows(data: bytes) -> list[RawRow]:
    """The data rows of a holiday file; HolidayFileError when it is not readable as one."""
    if data.startswith(_OLE_MAGIC):
        raise HolidayFileError("old_excel")
    table = _xlsx_table(data) if data.startswith(_XLSX_MAGIC) else _csv_table(data)
    rows: list[RawRow] = []
    for number, cells in enumerate(table, start=1):
        first, second = _cell(cells, 0), _cell(cells, 1)
        date_text, kind_text = text(first), text(second)
        if not date_text.strip() and not kind_text.strip():
            continue
        if not rows and is_header(date_text):
            continue
        rows.append(RawRow(number, parse_date(first), date_text.strip(), kind_text.strip()))
        if len(rows) > MAX_ROWS:
            raise HolidayFileError("unreadable")
    if not rows:
        raise HolidayFileError("no_rows")
    return rows
