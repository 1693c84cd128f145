"""Line wrapping for mixed Chinese and Latin text.

Text is split at spaces into chunks ("2026年12月5日", "09:00–10:30", "第3考场"); a chunk that fits on a line is never
broken. A longer chunk (a Chinese sentence, a long site name) breaks between Chinese characters or Latin words,
and closing punctuation sticks to what precedes it, so no line starts with "，" or ")".
"""

from __future__ import annotations

import re
from typing import Callable

Measure = Callable[[str], float]

_CLOSING = "，。、；：！？）》」』】〕”’,.;:!?)]}%"
_TOKEN = re.compile(rf"(?:[A-Za-z0-9@#&+=_*/\\.:'\-–—~]+|\S)[{re.escape(_CLOSING)}]*")


def tokens(text: str) -> list[str]:
    """Breakable pieces of a chunk: Latin words and single other characters, each with trailing closing punctuation."""
    return _TOKEN.findall(text)


def _pieces(chunk: str, width: float, measure: Measure) -> list[str]:
    """A chunk as pieces each no wider than `width`: whole tokens where possible, characters for a giant token."""
    out: list[str] = []
    for token in tokens(chunk):
        if measure(token) <= width:
            out.append(token)
            continue
        current = ""
        for char in token:
            if current and measure(current + char) > width:
                out.append(current)
                current = char
            else:
                current += char
        out.append(current)
    return out


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Lines of `text` no wider than `width` (a single character wider than the line still gets its own line).

    Widths are summed per chunk and piece, so `measure` sees short, often repeated strings (cache friendly).
    """
    lines: list[str] = []
    current, used = "", 0.0
    space = measure(" ")
    for chunk in text.split():
        size = measure(chunk)
        joint = space if current else 0.0
        if used + joint + size <= width:
            current, used = current + (" " if current else "") + chunk, used + joint + size
            continue
        if size <= width:
            if current:
                lines.append(current)
            current, used = chunk, size
            continue
        # a chunk longer than a line: fill the current line with its pieces, then go on
        if current:
            current, used = current + " ", used + space
        for piece in _pieces(chunk, width, measure):
            step = measure(piece)
            if current.strip() and used + step > width:
                lines.append(current.rstrip())
                current, used = piece, step
            else:
                current, used = current + piece, used + step
    if current:
        lines.append(current)
    return lines or [""]


def widest_chunk(text: str, measure: Measure) -> float:
    """Width of the widest space-separated chunk: what a column needs to keep every chunk whole."""
    return max((measure(chunk) for chunk in text.split()), default=0.0)
