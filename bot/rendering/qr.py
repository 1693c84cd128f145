"""QR codes for tickets: the module matrix from `qrcode` (error correction M, fast mask choice), drawn with Pillow or as runs."""

from __future__ import annotations

from functools import lru_cache

from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from bot.rendering.qr_mask import FastMaskQRCode

QUIET_ZONE = 4  # modules of white around the code, as the standard asks

DARK, LIGHT = 0, 255


@lru_cache(maxsize=256)  # the PNG and the PDF of one ticket share the (costly) mask selection
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) and light modules of the smallest QR code holding `data` at error correction M, no border."""
    code = FastMaskQRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


def qr_image(matrix: tuple[tuple[bool, ...], ...], module_px: int, quiet: int = QUIET_ZONE) -> Image.Image:
    """A greyscale ("L") image of the matrix, `module_px` pixels per module, with a quiet zone of `quiet` modules."""
    size = len(matrix) + 2 * quiet
    pad = bytes([LIGHT]) * quiet
    rows = [pad + bytes(DARK if dark else LIGHT for dark in row) + pad for row in matrix]
    blank = bytes([LIGHT]) * size
    raw = blank * quiet + b"".join(rows) + blank * quiet
    small = Image.frombytes("L", (size, size), raw)
    return small.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)


def qr_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): few rectangles for vector output."""
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < width and row[x]:
                x += 1
            runs.append((y, start, x - start))
    return runs


def qr_fit(modules: int, side: float, quiet: int = QUIET_ZONE) -> tuple[int, float]:
    """Whole pixels per module for a code of `modules` (plus quiet zone) in a square box, and the centring offset."""
    total = modules + 2 * quiet
    module_px = max(1, int(side // total))
    return module_px, (side - module_px * total) / 2
