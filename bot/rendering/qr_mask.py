"""Choosing the QR mask pattern fast, with exactly qrcode's result.

qrcode picks the mask by laying out the whole code eight times and scoring each with pure-Python penalty loops;
that is most of the time of a ticket. `FastMaskQRCode` lays it out once, applies the eight masks to the data modules
as integer bit rows and scores them with the same penalty rules (runs, 2x2 blocks, finder-like patterns, dark
share) using regular expressions and bit operations. The tests check the matrices equal qrcode's own.
"""

from __future__ import annotations

import re
from typing import Any

import qrcode
from qrcode import util

_RUNS = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")  # overlapping matches, like qrcode's sliding window

_flips_by_version: dict[int, list[list[int]]] = {}  # data modules depend only on the version


def _bits(row: list[Any]) -> int:
    """A row of modules as an int, column c at bit c (None and False are light)."""
    value = 0
    for column, module in enumerate(row):
        if module:
            value |= 1 << column
    return value


def _mask_rows(data_cells: list[list[int]]) -> list[list[int]]:
    """For each mask pattern, per row, the bits of the data modules it flips."""
    flips: list[list[int]] = []
    for pattern in range(8):
        flips_of = util.mask_func(pattern)
        flips.append([sum(1 << c for c in cells if flips_of(r, c)) for r, cells in enumerate(data_cells)])
    return flips


def penalty(rows: list[int], size: int) -> int:
    """qrcode's `util.lost_point` for a matrix given as bit rows (column c at bit c)."""
    texts = [format(row, f"0{size}b")[::-1] for row in rows]
    columns = ["".join(column) for column in zip(*texts)]
    joined = "2".join(texts) + "2" + "2".join(columns)
    points = sum(len(run) - 2 for run in _RUNS.findall(joined))
    inner = (1 << (size - 1)) - 1
    full = (1 << size) - 1
    for top, bottom in zip(rows, rows[1:]):
        same = ~(top ^ bottom) & full
        across = ~(top ^ (top >> 1))
        points += 3 * (same & (same >> 1) & across & inner).bit_count()
    points += 40 * len(_FINDER_LIKE.findall(joined))
    dark = sum(row.bit_count() for row in rows)
    percent = float(dark) / (size**2)
    points += int(abs(percent * 100 - 50) / 5) * 10
    return points


class FastMaskQRCode(qrcode.QRCode):  # type: ignore[misc]
    """A qrcode.QRCode whose mask choice scores the eight masks on one layout instead of eight."""

    _data_cells: list[list[int]] | None = None

    def map_data(self, data: Any, mask_pattern: int) -> None:
        """Record which modules hold data (the empty ones) before qrcode fills them."""
        self._data_cells = [[c for c, module in enumerate(row) if module is None] for row in self.modules]
        super().map_data(data, mask_pattern)

    def best_mask_pattern(self) -> int:
        """The mask with the lowest penalty (the first on ties), as qrcode would choose it."""
        self._data_cells = None
        self.makeImpl(True, 0)
        size = self.modules_count
        if self._data_cells is None or len(self.modules) != size:  # qrcode's internals changed: its own search
            return int(super().best_mask_pattern())
        flips = _flips_by_version.get(self.version)
        if flips is None:
            flips = _flips_by_version[self.version] = _mask_rows(self._data_cells)
        raw = [_bits(row) ^ flip for row, flip in zip(self.modules, flips[0])]  # the data without mask 0
        best, best_points = 0, -1
        for pattern in range(8):
            points = penalty([row ^ flip for row, flip in zip(raw, flips[pattern])], size)
            if best_points < 0 or points < best_points:
                best, best_points = pattern, points
        return best
