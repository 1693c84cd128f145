"""Image inspection for ID photos: hash, size and background colour."""

from __future__ import annotations

import hashlib

from bot.images import inspect
from tests.support.images import BLUE, id_photo


def test_white_background_photo() -> None:
    data = id_photo()
    facts = inspect(data)
    assert facts is not None and facts.white_background and (facts.width, facts.height) == (413, 579)
    assert facts.sha256 == hashlib.sha256(data).hexdigest() and facts.format == "JPEG"


def test_blue_and_pale_backgrounds_are_not_white() -> None:
    for background in (BLUE, (215, 230, 250), (240, 200, 200)):
        facts = inspect(id_photo(background, fmt="PNG"))
        assert facts is not None and not facts.white_background, background


def test_not_an_image() -> None:
    assert inspect(b"%PDF-1.4 not an image") is None
    assert inspect(b"") is None
