"""Admission tickets as printable A4 PDFs: vector text in the embedded (subset) CJK font, the QR code as squares."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageOps

from bot.rendering.fonts import FontFile
from bot.rendering.layout import Field, Item, Slot, Table, Title
from bot.rendering.pdf_font import PdfFaces, prepare_pdf_faces
from bot.rendering.qr import QUIET_ZONE, qr_matrix, qr_runs
from bot.rendering.ticket_plan import BOLD_ROLES, Box, Dot, Picture, Plan, Planner, Rule, Style, Text
from bot.rendering.ticket_view import TicketView

A4 = (595.28, 841.89)  # points
FAMILY = "ticketcjk"
PDF_STYLE = Style(
    width=A4[0],
    margin=42,
    frame=24,
    sizes={
        "title": 19,
        "subtitle": 11.5,
        "label": 10.5,
        "value": 12,
        "section": 12.5,
        "th": 10.5,
        "td": 10.5,
        "bullet": 10.5,
        "note": 9,
        "caption": 10.5,
        "number": 11.5,
    },
    photo=(90, 126),  # 32 x 44 mm
    qr=120,
    gap=14,
    pad=6.5,
    rule=0.8,
)
PHOTO_PX_PER_PT = 4  # about 290 dpi for the embedded photo
PHOTO_JPEG_QUALITY = 88
SMALLEST_SCALE = 0.5
BOLD_STROKE = 0.035  # outline width for heavier roles, as a share of the font size
WIDTH_CACHE_LIMIT = 16384


def _texts(items: tuple[Item, ...]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, Table):
            out.extend(item.header)
            out.extend(cell for row in item.rows for cell in row)
        elif isinstance(item, Field):
            out.extend((item.label, item.value))
        elif isinstance(item, Slot):
            out.append(item.caption)
        else:
            out.append(item.text)
    return out


def _scaled(style: Style, k: float) -> Style:
    return replace(
        style,
        sizes={role: size * k for role, size in style.sizes.items()},
        photo=(style.photo[0] * k, style.photo[1] * k),
        qr=style.qr * k,
        gap=style.gap * k,
        pad=style.pad * k,
    )


class TicketPdfRenderer:
    """Lays out ticket items on A4 and writes the PDF; construct once (prepares the font faces lazily)."""

    def __init__(self, font: FontFile, style: Style = PDF_STYLE, cache_dir: Path | None = None, reduce_font: bool = True) -> None:
        self.font = font
        self.style = style
        self.cache_dir = cache_dir
        self.reduce_font = reduce_font
        self._faces: PdfFaces | None = None
        self._widths: dict[tuple[float, str], float] = {}

    @property
    def faces(self) -> PdfFaces:
        """The prepared font faces (built on first use)."""
        if self._faces is None:
            self._faces = prepare_pdf_faces(self.font, self.cache_dir, self.reduce_font)
        return self._faces

    def pdf(self, view: TicketView, items: tuple[Item, ...]) -> bytes:
        """The PDF of a ticket whose layout items are given."""
        faces = self.faces
        texts = _texts(items)
        face = faces.face_for({ord(c) for text in texts for c in text})
        doc = FPDF(orientation="P", unit="pt", format="A4")
        doc.set_auto_page_break(False)
        doc.set_margins(0, 0, 0)
        doc.add_font(FAMILY, fname=str(face.path), collection_font_number=face.index)
        title = next((item.text for item in items if isinstance(item, Title)), "")
        doc.set_title(f"{title} {view.number}".strip())
        doc.add_page()
        plan = self._fit(doc, items, view.photo is not None)
        self._draw(doc, plan, view)
        return bytes(doc.output())

    def _fit(self, doc: FPDF, items: tuple[Item, ...], has_photo: bool) -> Plan:
        """The plan at full size, or scaled down until it fits on one A4 page."""
        k = 1.0
        while True:
            style = self.style if k == 1.0 else _scaled(self.style, k)
            planner = Planner(style, lambda text, role: self._measure(doc, style.sizes[role], text), *self._metrics())
            plan = planner.plan(items, has_photo)
            if plan.height <= A4[1] or k <= SMALLEST_SCALE:
                return plan
            k = max(SMALLEST_SCALE, k * A4[1] / plan.height * 0.98)

    def _metrics(self) -> tuple[float, float]:
        return self.faces.ascent, self.faces.descent

    def _measure(self, doc: FPDF, size: float, text: str) -> float:
        key = (size, text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > WIDTH_CACHE_LIMIT:
                self._widths.clear()
            doc.set_font(FAMILY, size=size)
            width = self._widths[key] = doc.get_string_width(text)
        return width

    def _draw(self, doc: FPDF, plan: Plan, view: TicketView) -> None:
        ascent = self.faces.ascent
        for op in plan.ops:
            if isinstance(op, Text):
                doc.set_font(FAMILY, size=op.size)
                doc.set_text_color(op.shade)
                baseline = op.top + ascent * op.size
                if op.role in BOLD_ROLES:  # fill and stroke the glyphs: a heavier weight from the regular face
                    with doc.local_context(text_mode=TextMode.FILL_STROKE, line_width=op.size * BOLD_STROKE, draw_color=op.shade):
                        doc.text(op.x, baseline, op.text)
                else:
                    doc.text(op.x, baseline, op.text)
            elif isinstance(op, Box):
                _box(doc, op)
            elif isinstance(op, Rule):
                doc.set_draw_color(op.shade)
                doc.set_line_width(op.line)
                doc.line(op.x1, op.y1, op.x2, op.y2)
            elif isinstance(op, Dot):
                doc.set_fill_color(0)
                doc.ellipse(op.x - op.r, op.y - op.r, 2 * op.r, 2 * op.r, style="F")
            elif isinstance(op, Picture) and op.kind == "qr":
                _qr(doc, view.qr_link, op)
            elif isinstance(op, Picture) and op.kind == "photo" and view.photo is not None:
                _photo(doc, view.photo, op)


def _box(doc: FPDF, op: Box) -> None:
    if op.fill is not None:
        doc.set_fill_color(op.fill)
    if op.stroke is not None:
        doc.set_draw_color(op.stroke)
        doc.set_line_width(op.line)
    style = ("F" if op.fill is not None else "") + ("D" if op.stroke is not None else "")
    if style:
        doc.rect(op.x, op.y, op.w, op.h, style=style)


def _qr(doc: FPDF, link: str, box: Picture) -> None:
    """Dark modules as filled rectangles, one per horizontal run, slightly overlapping to avoid hairline seams."""
    matrix = qr_matrix(link)
    module = box.w / (len(matrix) + 2 * QUIET_ZONE)
    origin_x = box.x + QUIET_ZONE * module
    origin_y = box.y + QUIET_ZONE * module
    seam = module * 0.02
    doc.set_fill_color(0)
    for row, column, length in qr_runs(matrix):
        doc.rect(origin_x + column * module, origin_y + row * module, length * module, module + seam, style="F")


def _photo(doc: FPDF, photo: bytes, box: Picture) -> None:
    """The photo cropped to the box's shape; an unreadable photo leaves the box empty."""
    size = (round(box.w * PHOTO_PX_PER_PT), round(box.h * PHOTO_PX_PER_PT))
    try:
        with Image.open(io.BytesIO(photo)) as source:
            source.draft("RGB", size)
            fitted = ImageOps.fit(source.convert("RGB"), size, Image.Resampling.BILINEAR)
    except (OSError, ValueError, Image.DecompressionBombError):
        return
    jpeg = io.BytesIO()
    fitted.save(jpeg, "JPEG", quality=PHOTO_JPEG_QUALITY)  # embedded as is (DCTDecode): small and quick
    jpeg.seek(0)
    inset = 1.0
    doc.image(jpeg, box.x + inset, box.y + inset, box.w - 2 * inset, box.h - 2 * inset)
