"""The CJK font prepared for fpdf2: cached reduced faces, smallest first, and the full face as the fallback.

fpdf2 parses the whole font for every document and subsets it on output; for a 30 000-glyph CJK collection that
dominates the PDF time. Two reduced faces (no hinting, no layout tables) are built once per machine into a cache
directory: "common" (the 3 755 level-1 GB2312 hanzi and symbols, about 5 000 glyphs) and "gb2312" (all 6 763
hanzi, about 8 000 glyphs). A ticket uses the smallest face that has all its characters; one with a rarer
character (some names) falls back to a bigger face.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from bot.rendering.fonts import FontFile

log = logging.getLogger(__name__)

CACHE_VERSION = 2
DEFAULT_CACHE_DIR = Path(tempfile.gettempdir()) / f"skillbot-fonts-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
_RANGES = ((0x20, 0x7F), (0xA0, 0x250), (0x2000, 0x2070), (0x2100, 0x2200), (0x2460, 0x2500), (0x3000, 0x3040), (0xFF00, 0xFFF0))


TIERS = {"common": (*range(0xA1, 0xAA), *range(0xB0, 0xD8)), "gb2312": (*range(0xA1, 0xAA), *range(0xB0, 0xF8))}


@dataclass(frozen=True)
class ReducedFace:
    """A cached reduced face and the characters it has."""

    path: Path
    chars: frozenset[int]


@dataclass(frozen=True)
class PdfFaces:
    """Reduced faces (smallest first; none when they could not be built), the full face and vertical metrics."""

    reduced: tuple[ReducedFace, ...]
    full: FontFile
    ascent: float  # fractions of the font size
    descent: float

    def face_for(self, chars: set[int]) -> FontFile:
        """The smallest face that has all the characters."""
        for face in self.reduced:
            if chars <= face.chars:
                return FontFile(face.path)
        return self.full


def _gb2312(rows: tuple[int, ...]) -> set[int]:
    """The GB2312 characters of some rows (first bytes): A1-A9 symbols, B0-D7 level-1 hanzi, D8-F7 level-2 hanzi."""
    chars: set[int] = set()
    for high in rows:
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def _tier_chars(tier: str) -> set[int]:
    chars = _gb2312(TIERS[tier])
    for first, end in _RANGES:
        chars.update(range(first, end))
    return chars


def _build(font: FontFile, tier: str, target: Path) -> None:
    face = TTFont(str(font.path), fontNumber=font.index, recalcTimestamp=False)
    options = subset.Options()
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "vhea", "vmtx"]
    options.hinting = False
    options.glyph_names = False
    options.notdef_outline = True
    options.recommended_glyphs = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_tier_chars(tier))
    subsetter.subset(face)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    os.close(handle)
    try:
        face.save(partial)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _cached_path(font: FontFile, tier: str, cache_dir: Path) -> Path:
    stat = font.path.stat()
    suffix = ".otf" if font.path.suffix.lower() in (".otf", ".otc") else ".ttf"
    return cache_dir / f"{font.path.stem}-{font.index}-{stat.st_size}-{stat.st_mtime_ns}-{tier}-v{CACHE_VERSION}{suffix}"


def _reduced(font: FontFile, tier: str, cache_dir: Path) -> ReducedFace:
    target = _cached_path(font, tier, cache_dir)
    if not target.is_file():
        _build(font, tier, target)
    face = TTFont(str(target), lazy=True)
    try:
        return ReducedFace(target, frozenset(face.getBestCmap()))
    finally:
        face.close()


def prepare_pdf_faces(font: FontFile, cache_dir: Path | None = None, reduce: bool = True) -> PdfFaces:
    """The faces for PDF output; builds the reduced faces on first use (a few seconds) and reuses them after.

    With `reduce=False` (or when building fails) every document uses the full face.
    """
    reduced: tuple[ReducedFace, ...] = ()
    if reduce:
        try:
            reduced = tuple(_reduced(font, tier, cache_dir or DEFAULT_CACHE_DIR) for tier in TIERS)
        except Exception:  # the reduced faces only save time: any failure falls back to the full font
            log.warning("could not build reduced PDF fonts from %s; using the full font", font.path, exc_info=True)
    face = TTFont(str(font.path), fontNumber=font.index, lazy=True)
    try:
        units = face["head"].unitsPerEm
        return PdfFaces(reduced, font, face["hhea"].ascent / units, -face["hhea"].descent / units)
    finally:
        face.close()
