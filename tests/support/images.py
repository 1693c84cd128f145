"""Synthetic ID photos: a dark head-and-shoulders shape on a chosen background."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

WHITE = (252, 252, 250)
BLUE = (67, 142, 219)


def id_photo(background: tuple[int, int, int] = WHITE, size: tuple[int, int] = (413, 579), fmt: str = "JPEG") -> bytes:
    """A portrait photo with the person in the middle and the background around it."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.55), fill=(90, 60, 50))
    draw.rectangle((width * 0.15, height * 0.6, width * 0.85, height), fill=(30, 30, 40))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()
