"""Parsers for the application form's typed answers: dates, years, free text, certificates, photos, documents."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.normalize import compact, nfkc
from flows.context import FlowContext
from flows.engine import Invalid
from flows.events import Event, FileInput, TextInput

PHOTO_TYPES = ("image/jpeg", "image/png")
DOCUMENT_TYPES = ("image/jpeg", "image/png", "application/pdf")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024  # what a bot may download through the Bot API
PHOTO_MIN_SIZE = (260, 360)  # px; a 2-inch photo (35x49 mm) scanned at 200 dpi or more
PHOTO_RATIO = (1.2, 1.6)  # height / width of a portrait ID photo
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")
_CERT_NUMBER = re.compile(r"^[A-Z0-9]{4,32}$")


def _text(event: Event) -> str:
    assert isinstance(event, TextInput)
    return nfkc(event.text).strip()


def parse_date(raw: str) -> date:
    """`2024-03-15`, `2024/3/15`, `2024年3月15日` or `20240315` (full-width allowed); Invalid otherwise."""
    match = _DATE.match(compact(raw))
    if not match:
        raise Invalid("apply.bad_date")
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        raise Invalid("apply.bad_date") from None


def past_date(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """A date not in the future and not before 1900, stored as ISO text."""
    value = parse_date(_text(event))
    if value > ctx.now.date() or value.year < 1900:
        raise Invalid("apply.date_out_of_range")
    return value.isoformat()


def short_text(limit: int) -> Any:
    """Parser for a free-text answer of 1..limit characters."""

    def parse(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
        value = re.sub(r"\s+", " ", _text(event))
        if not value:
            raise Invalid("hint.expected_text")
        if len(value) > limit:
            raise Invalid("apply.too_long", limit=limit)
        return value

    return parse


def years(event: Event, ctx: FlowContext, values: dict[str, Any]) -> float:
    """Years in the post: 0–60, halves allowed (`3`, `3.5`, `３年`)."""
    raw = compact(_text(event)).removesuffix("年").removesuffix("years").removesuffix("year")
    try:
        value = float(raw)
    except ValueError:
        raise Invalid("apply.bad_years") from None
    if not 0 <= value <= 60:
        raise Invalid("apply.bad_years")
    return round(value * 2) / 2


def certificate_number(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """A held certificate's number: 4–32 letters and digits after normalization."""
    value = compact(_text(event)).replace("-", "").upper()
    if not _CERT_NUMBER.match(value):
        raise Invalid("apply.bad_certificate_number")
    return value


def _file_record(event: FileInput) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "file_id": event.file_id,
        "file_unique_id": event.file_unique_id,
        "size": event.size,
        "mime": event.mime_type or ("image/jpeg" if event.kind == "photo" else None),
        "name": event.file_name,
        "width": event.width,
        "height": event.height,
        "sha256": event.sha256,
    }


def photo(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """The 2-inch photo: JPEG/PNG, at most 5 MB, portrait, large enough and on a white background (when inspected)."""
    assert isinstance(event, FileInput)
    record = _file_record(event)
    if record["mime"] not in PHOTO_TYPES:
        raise Invalid("apply.photo_type")
    if event.size is not None and event.size > PHOTO_MAX_BYTES:
        raise Invalid("apply.photo_too_big", max_mb=PHOTO_MAX_BYTES // (1024 * 1024))
    if event.width and event.height:
        if event.width < PHOTO_MIN_SIZE[0] or event.height < PHOTO_MIN_SIZE[1]:
            raise Invalid("apply.photo_too_small", width=event.width, height=event.height)
        ratio = event.height / event.width
        if not PHOTO_RATIO[0] <= ratio <= PHOTO_RATIO[1]:
            raise Invalid("apply.photo_not_portrait")
    if event.white_background is False:
        raise Invalid("apply.photo_background")
    return record


def document(event: Event, ctx: FlowContext, values: dict[str, Any]) -> dict[str, Any]:
    """A supporting document: a photo, an image file or a PDF of at most 20 MB."""
    assert isinstance(event, FileInput)
    record = _file_record(event)
    if record["mime"] not in DOCUMENT_TYPES:
        raise Invalid("apply.document_type")
    if event.size is not None and event.size > DOCUMENT_MAX_BYTES:
        raise Invalid("apply.document_too_big", max_mb=DOCUMENT_MAX_BYTES // (1024 * 1024))
    return record
