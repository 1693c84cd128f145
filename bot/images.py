"""Inspect an uploaded image: content hash, real size and whether its background is white (ID photos)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

WHITE_MIN = 200  # every channel at least this bright …
WHITE_SPREAD = 30  # … and nearly grey (max - min channel), so a pale blue or red background is not "white"
WHITE_SHARE = 0.85  # share of border pixels that must be white
BORDER = 0.06  # width of the sampled border strips, as a share of the image size


@dataclass(frozen=True)
class ImageFacts:
    """What the bot learned from the image bytes."""

    sha256: str
    width: int
    height: int
    format: str
    white_background: bool


def _white(pixel: tuple[int, int, int]) -> bool:
    return min(pixel) >= WHITE_MIN and max(pixel) - min(pixel) <= WHITE_SPREAD


def inspect(data: bytes) -> ImageFacts | None:
    """Facts about JPEG/PNG bytes; None when they are not a readable image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = (image.format or "").upper()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    width, height = rgb.size
    strip_x, strip_y = max(1, int(width * BORDER)), max(1, int(height * BORDER))
    # top strip and both side strips of the upper two thirds: the background, not the shoulders
    boxes = [(0, 0, width, strip_y), (0, 0, strip_x, height * 2 // 3), (width - strip_x, 0, width, height * 2 // 3)]
    pixels: list[tuple[int, int, int]] = []
    for box in boxes:
        raw = rgb.crop(box).resize((32, 32)).tobytes()
        pixels.extend((raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3))
    share = sum(_white(p) for p in pixels) / len(pixels)
    return ImageFacts(hashlib.sha256(data).hexdigest(), width, height, image_format, share >= WHITE_SHARE)
