"""Read a certificate roster (花名册, seed 004 附件5) from xlsx or CSV: find the header row by column name, yield rows.

Column names, ID type names and level names come from the locale catalogues of every language (`cert_import.col.*`,
`cert_import.col_alias.*`, `id_type.*`, `cert_import.id_type_alias.*`, `level.*`, `cert_import.level_alias.*`), so a
roster written with Chinese or English headers is read alike. Nothing here knows the store.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from bot.normalize import compact
from bot.rules.id_types import by_code

FIELDS = ("name", "id_type", "id_number", "work_unit", "occupation", "work_type", "level", "number", "issue_date", "evaluator", "issuer")
OPTIONAL = ("work_unit", "work_type")
REQUIRED = tuple(f for f in FIELDS if f not in OPTIONAL)
HEADER_SCAN_ROWS = 30  # the official form has a title and "申报单位" lines above the header
MIN_HEADER_MATCHES = 3
MEMO_LIMIT = 10_000  # distinct ID type / level spellings remembered
NOTE_ROW_MAX_CELLS = 2  # a notes line ("说明：…") fills at most this many cells

Cell = Any  # str | int | float | date | datetime | None, as the file holds it
RawRow = tuple[int, tuple[Cell, ...]]  # 1-based row number in the file, values in FIELDS order

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (BIFF in an OLE container)
_QUOTES = re.compile(r"[《》〈〉「」『』“”\"'‘’*:]")
_BRACKETED = re.compile(r"\([^)]*\)")
_SEPARATORS = re.compile(r"[/、,;()\[\]]+")
_CODE_PREFIX = re.compile(r"^([0-9]{3})(?![0-9])")


class RosterFileError(Exception):
    """A file that cannot be read as a roster: `code` names the problem (`cert_import.file.<code>`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = params


def term(text: str) -> str:
    """Matching form of a header or a name: NFKC, no spaces, case-folded, without quotes and book-title marks."""
    return _QUOTES.sub("", compact(text)).casefold()


def _alternatives(catalogues: Mapping[str, Mapping[str, str]], key: str) -> list[str]:
    """Every spelling a key has in any locale (values split at |)."""
    return [part for cat in catalogues.values() for part in cat.get(key, "").split("|") if part.strip()]


def _lookup(words_by_value: Mapping[Any, Iterable[str]]) -> dict[str, Any]:
    """Matching form of every word → its value; a word that means two values is left out (ambiguous)."""
    table: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for value, words in words_by_value.items():
        for word in words:
            key = term(word)
            if key and table.setdefault(key, value) != value:
                ambiguous.add(key)
    return {k: v for k, v in table.items() if k not in ambiguous}


@dataclass(frozen=True)
class Vocabulary:
    """What roster cells may say: header names per field, ID type names per R5 code, level names per level."""

    headers: Mapping[str, str]
    id_types: Mapping[str, str]
    levels: Mapping[str, int]
    notes: tuple[str, ...]
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)  # cell text → meaning

    @classmethod
    def from_catalogues(cls, catalogues: Mapping[str, Mapping[str, str]], id_codes: Sequence[str]) -> Vocabulary:
        """Build the vocabulary from the flattened catalogues of every locale; names meaning two things are dropped."""
        headers: dict[str, Any] = {}
        for name in FIELDS:
            headers[name] = [name, *_alternatives(catalogues, f"cert_import.col.{name}"), *_alternatives(catalogues, f"cert_import.col_alias.{name}")]
        id_types: dict[str, Any] = {}
        for code in id_codes:
            id_types[code] = [*_alternatives(catalogues, f"id_type.{code}"), *_alternatives(catalogues, f"cert_import.id_type_alias.{code}")]
        levels: dict[int, Any] = {}
        for level in range(1, 6):
            labels = _alternatives(catalogues, f"level.{level}")
            parts = [p for label in labels for p in label.split("/")]
            levels[level] = [*labels, *parts, *_alternatives(catalogues, f"cert_import.level_alias.{level}")]
        notes = tuple(term(w) for w in _alternatives(catalogues, "cert_import.notes_marker"))
        return cls(_lookup(headers), _lookup(id_types), _lookup(levels), tuple(n for n in notes if n))

    def _remember(self, memo: tuple[str, str], meaning: Callable[[str], Any]) -> Any:
        """The meaning of a cell text, computed once per vocabulary (rosters repeat a few spellings)."""
        if memo in self._memo:
            return self._memo[memo]
        found = meaning(memo[1])
        if len(self._memo) < MEMO_LIMIT:
            self._memo[memo] = found
        return found

    def header(self, cell: Cell) -> str | None:
        """The field a header cell names, if any (a bracketed remark such as “（必填）” is ignored)."""
        if cell is None:
            return None
        key = term(str(cell))
        return self.headers.get(key) or self.headers.get(_BRACKETED.sub("", key))

    def id_type(self, text: str) -> str | None:
        """The R5 code an ID type cell means: the code itself (“201”, “201=居民身份证”) or a known name."""
        return self._remember(("id_type", text), self._id_type)  # type: ignore[no-any-return]

    def _id_type(self, text: str) -> str | None:
        key = term(text)
        found = self.id_types.get(key)
        if found is not None:
            return found
        prefix = _CODE_PREFIX.match(key)
        return prefix.group(1) if prefix and by_code(prefix.group(1)) else None

    def level(self, text: str) -> int | None:
        """The level (1 = 一级 … 5 = 五级) a level cell means: a digit, a name, or a name pair such as “四级（中级工）”."""
        return self._remember(("level", text), self._level)  # type: ignore[no-any-return]

    def _level(self, text: str) -> int | None:
        key = term(text)
        if len(key) == 1 and key in "12345":
            return int(key)
        found = self.levels.get(key)
        if found is not None:
            return found
        parts = {self.levels.get(p) for p in _SEPARATORS.split(key) if p}
        return parts.pop() if len(parts) == 1 and None not in parts else None


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class RosterFile:
    """An opened roster: its format, the header row number and an iterator of data rows (consumed once)."""

    format: str
    header_row: int
    rows: Iterator[RawRow]


def _header(vocab: Vocabulary, cells: Sequence[Cell]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = vocab.header(cell)
        if field is not None and field not in found:
            found[field] = index
    return found


def _is_note(vocab: Vocabulary, cells: Sequence[Cell]) -> bool:
    if len(cells) - cells.count(None) - cells.count("") > NOTE_ROW_MAX_CELLS:  # type: ignore[attr-defined]
        return False  # the common case, decided without looking at every cell
    filled = [c for c in cells if not _blank(c)]
    if not filled or len(filled) > NOTE_ROW_MAX_CELLS or not isinstance(filled[0], str):
        return False
    first = term(filled[0])
    return any(first.startswith(marker) for marker in vocab.notes)


def _data_rows(vocab: Vocabulary, table: Iterator[tuple[int, Sequence[Cell]]], columns: dict[str, int]) -> Iterator[RawRow]:
    """Rows after the header in FIELDS order; blank rows skipped; the notes under the table end it."""
    indexes = [columns.get(field, -1) for field in FIELDS]
    top = max(indexes)
    pick = operator.itemgetter(*indexes) if min(indexes) >= 0 else None  # every column present: one C-level call
    for number, cells in table:
        width = len(cells)
        if pick is not None and width > top:
            values = pick(cells)
        else:
            values = tuple(cells[i] if 0 <= i < width else None for i in indexes)
        if all(_blank(v) for v in values):
            continue
        if _is_note(vocab, cells):
            return
        yield number, values


def _locate(vocab: Vocabulary, table: Iterator[tuple[int, Sequence[Cell]]], fmt: str) -> RosterFile | None:
    """The roster in a table of cells, or None when its first rows hold no header."""
    for number, cells in itertools.islice(table, HEADER_SCAN_ROWS):
        columns = _header(vocab, cells)
        if len(columns) < MIN_HEADER_MATCHES:
            continue
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            raise RosterFileError("missing_columns", columns=missing)
        return RosterFile(fmt, number, _data_rows(vocab, table, columns))
    return None


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError("unreadable") from None


def _delimiter(text: str) -> str:
    """The delimiter of the first lines: comma, tab or semicolon, whichever splits the header most."""
    sample = "\n".join(text[:8192].splitlines()[:HEADER_SCAN_ROWS])
    return max(",\t;", key=sample.count)


def _csv(data: bytes, vocab: Vocabulary) -> RosterFile | None:
    text = _decode(data)
    if "\x00" in text[:8192]:
        raise RosterFileError("unreadable")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _locate(vocab, enumerate(reader, start=1), "csv")
    except csv.Error:
        raise RosterFileError("unreadable") from None


def _xlsx(data: bytes, vocab: Vocabulary) -> RosterFile | None:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise RosterFileError("unreadable") from None
    for sheet in book.worksheets:
        found = _locate(vocab, enumerate(sheet.iter_rows(values_only=True), start=1), "xlsx")  # type: ignore[union-attr]
        if found is not None:
            return found
    return None


def open_roster(data: bytes, vocab: Vocabulary) -> RosterFile:
    """Open roster bytes (xlsx by content, else CSV); RosterFileError when it is unreadable or has no usable header."""
    if data.startswith(_OLE_MAGIC):
        raise RosterFileError("old_excel")
    found = _xlsx(data, vocab) if data.startswith(_XLSX_MAGIC) else _csv(data, vocab)
    if found is None:
        raise RosterFileError("no_header")
    return found
