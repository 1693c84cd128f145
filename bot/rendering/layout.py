"""The ticket layout language: the line-based text a `ticket.j2` template produces, parsed into items.

One item per line, by prefix (blank lines are ignored):

    # Title                     the document title
    ~ subtitle                  a centred line under the title
    ! slot | caption            a caption for a picture slot (`photo`, `qr`)
    = label | value             a field row (the first `|` splits; the value may contain more)
    ## Section                  a section heading
    | head 1 | head 2           table rows: a run of `|` lines is one table, its first row the header
    - text                      a bullet
    > text                      a small note
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


class LayoutError(ValueError):
    """A template produced a line the layout language does not know."""


@dataclass(frozen=True)
class Title:
    """The document title."""

    text: str


@dataclass(frozen=True)
class Subtitle:
    """A centred line under the title."""

    text: str


@dataclass(frozen=True)
class Slot:
    """The caption of a picture slot the renderer fills (photo, QR code)."""

    name: str
    caption: str


@dataclass(frozen=True)
class Field:
    """A label and its value."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A section heading."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table: a header row and body rows, all with the header's number of cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Bullet:
    """One bullet point."""

    text: str


@dataclass(frozen=True)
class Note:
    """A small note line."""

    text: str


Item = Union[Title, Subtitle, Slot, Field, Section, Table, Bullet, Note]


def _cells(line: str, number: int) -> tuple[str, ...]:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    if not any(cells):
        raise LayoutError(f"line {number}: empty table row")
    return tuple(cells)


def _pair(body: str, number: int, kind: str) -> tuple[str, str]:
    left, sep, right = body.partition("|")
    if not sep or not left.strip():
        raise LayoutError(f"line {number}: {kind} needs 'name | text'")
    return left.strip(), right.strip()


def _simple(prefix: str, body: str, number: int) -> Item:
    if prefix == "=":
        return Field(*_pair(body, number, "a field"))
    if prefix == "!":
        return Slot(*_pair(body, number, "a slot"))
    kinds = {"#": Title, "##": Section, "~": Subtitle, "-": Bullet, ">": Note}
    if prefix not in kinds:
        raise LayoutError(f"line {number}: unknown prefix {prefix!r}")
    return kinds[prefix](body)


def _close_table(rows: list[tuple[str, ...]], number: int, out: list[Item]) -> None:
    if not rows:
        return
    header, body = rows[0], rows[1:]
    for row in body:
        if len(row) > len(header):
            raise LayoutError(f"table ending before line {number}: a row has more cells than the header")
    out.append(Table(header, tuple(row + ("",) * (len(header) - len(row)) for row in body)))
    rows.clear()


def parse(source: str) -> tuple[Item, ...]:
    """Items of a layout text; raises LayoutError on an unknown or malformed line."""
    items: list[Item] = []
    table: list[tuple[str, ...]] = []
    number = 0
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("|"):
            table.append(_cells(line, number))
            continue
        _close_table(table, number, items)
        if not line:
            continue
        prefix, _, body = line.partition(" ")
        if not body.strip():
            raise LayoutError(f"line {number}: {prefix!r} without text")
        items.append(_simple(prefix, body.strip(), number))
    _close_table(table, number + 1, items)
    return tuple(items)
