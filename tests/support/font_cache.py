"""The reduced PDF font faces built once per machine and linked into each test's data directory.

Renderers cache the faces under `<DATA_DIR>/cache/fonts`; every test has its own DATA_DIR, and building the faces
takes seconds, so tests that render PDFs link the faces of the per-machine cache in first (`link_into`).
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.rendering.fonts import find_cjk_font
from bot.rendering.pdf_font import prepare_pdf_faces


def build(directory: Path | None = None) -> list[Path]:
    """Build (or find already built) the reduced faces of the found CJK font in `directory`, by default the
    renderer's per-machine cache; returns their files."""
    faces = prepare_pdf_faces(find_cjk_font(), directory)
    return [face.path for face in faces.reduced]


def link_into(files: list[Path], data_dir: Path) -> None:
    """Make the built faces appear in `<data_dir>/cache/fonts` (symbolic links; nothing is copied)."""
    target = data_dir / "cache" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        link = target / path.name
        if not link.exists():
            os.symlink(path, link)
