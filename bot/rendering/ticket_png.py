"""Admission tickets as phone-friendly PNG images (and, through the PDF sibling, printable A4 PDFs).

Built once per process: fonts are opened once per size, text widths and rendered text masks are cached (the
labels and rules repeat on every ticket), the QR code is drawn from its module matrix, and the greyscale page is
encoded as a grey-palette PNG with fast compression. The caches are plain dicts: use one renderer per thread
(or render from one worker thread), not one renderer from several threads at once.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.i18n import I18n
from bot.rendering.fonts import FontFile, find_cjk_font
from bot.rendering.layout import Item
from bot.rendering.qr import qr_fit, qr_image, qr_matrix
from bot.rendering.ticket_content import ticket_items
from bot.rendering.ticket_pdf import TicketPdfRenderer
from bot.rendering.ticket_plan import BOLD_ROLES, Box, Dot, Picture, Plan, Planner, Rule, Style, Text
from bot.rendering.ticket_view import TicketView
from bot.settings import Settings

PNG_STYLE = Style(
    width=1080,
    margin=64,
    frame=28,
    sizes={
        "title": 46,
        "subtitle": 30,
        "label": 30,
        "value": 33,
        "section": 34,
        "th": 28,
        "td": 28,
        "bullet": 29,
        "note": 25,
        "caption": 30,
        "number": 30,
    },
    photo=(250, 350),
    qr=270,
    gap=30,
    pad=16,
    rule=2,
)
WHITE = 255
PNG_COMPRESS_LEVEL = 1
PNG_ZLIB_STRATEGY = 3  # Z_RLE: a ticket is mostly runs of white; fastest, and barely larger than level 6
GREY_PALETTE = [level for grey in range(256) for level in (grey, grey, grey)]
TEXT_CACHE_LIMIT = 4096


class TicketRenderer:
    """Renders TicketViews; construct once with the I18n and the CJK font and reuse for every ticket."""

    def __init__(self, i18n: I18n, font: FontFile | Path, style: Style = PNG_STYLE, cache_dir: Path | None = None) -> None:
        self.i18n = i18n
        self.font = font if isinstance(font, FontFile) else FontFile(font)
        self.style = style
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}
        self._widths: dict[tuple[str, str], float] = {}
        self._masks: dict[tuple[str, str], tuple[Image.Image, int, int]] = {}
        probe = self._font(100.0)
        ascent, descent = probe.getmetrics()
        self.planner = Planner(style, self._measure, ascent / 100, descent / 100)
        self._pdf = TicketPdfRenderer(self.font, cache_dir=cache_dir)

    @classmethod
    def from_settings(cls, i18n: I18n, settings: Settings) -> "TicketRenderer":
        """A renderer with the configured (TICKET_FONT) or found CJK font; raises FontMissing when there is none.

        The reduced PDF font faces are cached under `<data_dir>/cache/fonts`.
        """
        return cls(i18n, find_cjk_font(settings.ticket_font), cache_dir=settings.data_dir / "cache" / "fonts")

    def items(self, view: TicketView) -> tuple[Item, ...]:
        """The ticket's layout items (the rendered `ticket` template, parsed)."""
        return ticket_items(self.i18n, view)

    def plan(self, view: TicketView) -> Plan:
        """Where everything goes on the PNG, in pixels."""
        return self.planner.plan(self.items(view), view.photo is not None)

    def png(self, view: TicketView) -> bytes:
        """The ticket as a greyscale PNG about 1080 px wide."""
        plan = self.plan(view)
        canvas = Image.new("L", (int(plan.width), int(round(plan.height))), WHITE)
        draw = ImageDraw.Draw(canvas)
        for op in plan.ops:
            if isinstance(op, Text):
                self._draw_text(canvas, draw, op)
            elif isinstance(op, Box):
                _box(draw, op)
            elif isinstance(op, Rule):
                draw.line([(round(op.x1), round(op.y1)), (round(op.x2), round(op.y2))], fill=op.shade, width=max(1, round(op.line)))
            elif isinstance(op, Dot):
                draw.ellipse([op.x - op.r, op.y - op.r, op.x + op.r, op.y + op.r], fill=0)
            elif isinstance(op, Picture) and op.kind == "qr":
                canvas.paste(self._qr(view.qr_link, op), (round(op.x), round(op.y)))
            elif isinstance(op, Picture) and op.kind == "photo" and view.photo is not None:
                self._paste_photo(canvas, view.photo, op)
        return self._encode(canvas)

    def pdf(self, view: TicketView) -> bytes:
        """The ticket as a printable A4 PDF with the CJK font embedded (subset)."""
        return self._pdf.pdf(view, self.items(view))

    # --- building blocks; the benchmark's naive baseline overrides them ---

    def _font(self, size: float) -> ImageFont.FreeTypeFont:
        key = round(size)
        font = self._fonts.get(key)
        if font is None:
            font = self._fonts[key] = ImageFont.truetype(str(self.font.path), key, index=self.font.index)
        return font

    def _measure(self, text: str, role: str) -> float:
        key = (role, text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > TEXT_CACHE_LIMIT * 4:
                self._widths.clear()
            width = self._widths[key] = self._font(self.style.sizes[role]).getlength(text)
        return width

    def _draw_text(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, op: Text) -> None:
        """Paste the cached mask of the text (rendered on first use) in the op's shade."""
        key = (op.role, op.text)
        cached = self._masks.get(key)
        if cached is None:
            font = self._font(op.size)
            stroke = max(1, round(op.size / 40)) if op.role in BOLD_ROLES else 0
            left, top, right, bottom = font.getbbox(op.text, anchor="la", stroke_width=stroke)
            mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
            ImageDraw.Draw(mask).text((-left, -top), op.text, font=font, fill=255, anchor="la", stroke_width=stroke, stroke_fill=255)
            if len(self._masks) > TEXT_CACHE_LIMIT:
                self._masks.clear()
            cached = self._masks[key] = (mask, left, top)
        mask, left, top = cached
        canvas.paste(op.shade, (round(op.x) + left, round(op.top) + top), mask)

    def _qr(self, link: str, box: Picture) -> Image.Image:
        matrix = qr_matrix(link)
        module_px, offset = qr_fit(len(matrix), box.w)
        image = qr_image(matrix, module_px)
        framed = Image.new("L", (round(box.w), round(box.h)), WHITE)
        framed.paste(image, (round(offset), round(offset)))
        return framed

    def _paste_photo(self, canvas: Image.Image, photo: bytes, box: Picture) -> None:
        """The photo cropped to the box's shape and scaled into it; an unreadable photo leaves the box empty."""
        size = (round(box.w) - 4, round(box.h) - 4)
        try:
            with Image.open(io.BytesIO(photo)) as source:
                source.draft("L", size)  # JPEG: decode at a reduced scale, much faster for camera-sized photos
                fitted = ImageOps.fit(source.convert("L"), size, Image.Resampling.BILINEAR)
        except (OSError, ValueError, Image.DecompressionBombError):
            return
        canvas.paste(fitted, (round(box.x) + 2, round(box.y) + 2))

    def _encode(self, canvas: Image.Image) -> bytes:
        """PNG bytes; the greyscale canvas becomes a palette image with a grey ramp (same pixels), because Pillow
        filters each row of an "L" image adaptively, which doubles the encoding time, and a palette image not."""
        canvas.putpalette(GREY_PALETTE)
        out = io.BytesIO()
        canvas.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL, compress_type=PNG_ZLIB_STRATEGY)
        return out.getvalue()


def _box(draw: ImageDraw.ImageDraw, op: Box) -> None:
    corners = [round(op.x), round(op.y), round(op.x + op.w) - 1, round(op.y + op.h) - 1]
    if op.stroke is None:
        draw.rectangle(corners, fill=op.fill)
    else:
        draw.rectangle(corners, fill=op.fill, outline=op.stroke, width=max(1, round(op.line)))
