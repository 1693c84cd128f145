"""Finding a font with Chinese glyphs for the tickets: explicit path, well-known paths, then fontconfig."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

FIX_HINT = "run scripts/fonts.sh (installs fonts-wqy-microhei) or set TICKET_FONT to a .ttf/.ttc/.otf file with Chinese glyphs"


class FontMissing(RuntimeError):
    """No usable CJK font: tickets cannot be rendered until an operator installs one."""


@dataclass(frozen=True)
class FontFile:
    """A font file and the face to use in it (collections such as .ttc hold several faces)."""

    path: Path
    index: int = 0


# Noto CJK collections list their faces as JP, KR, SC, TC, HK: index 2 is Simplified Chinese.
KNOWN_FONTS: tuple[FontFile, ...] = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
    FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf")),
    FontFile(Path("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf")),
)


def _fontconfig() -> FontFile | None:
    """The font fontconfig picks for Simplified Chinese, if it really covers Chinese (fc-match always answers)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-f", "%{file}\n%{index}\n%{lang}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split("\n")
    if done.returncode != 0 or len(parts) < 3 or "zh-cn" not in parts[2].split("|"):
        return None
    path = Path(parts[0])
    index = int(parts[1]) if parts[1].isdigit() else 0
    return FontFile(path, index) if path.is_file() else None


def find_cjk_font(
    explicit: Path | None = None, *, known: Sequence[FontFile] = KNOWN_FONTS, use_fontconfig: bool = True
) -> FontFile:
    """The CJK font to render tickets with; raises FontMissing with what to do when there is none."""
    if explicit is not None:
        if explicit.is_file():
            return FontFile(explicit)
        raise FontMissing(f"TICKET_FONT={explicit} does not exist: {FIX_HINT}")
    for font in known:
        if font.path.is_file():
            return font
    found = _fontconfig() if use_fontconfig else None
    if found is not None:
        return found
    raise FontMissing(f"no font with Chinese glyphs found for admission tickets: {FIX_HINT}")
