"""Multi-page A4 records (the room record) from layout items: vector text in the embedded (subset) CJK font.

Unlike the one-page ticket, a record grows with its room: tables break across pages with their header row repeated,
and every page has its number in the footer. Several documents (one per room) go into one PDF, each starting on a
new page. Items: the title and subtitles centred; runs of fields as a two-pairs-per-row grid; section bands; tables;
bullets; notes. Picture slots are ignored (records have no pictures).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TableBordersLayout, TextMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from bot.rendering.fonts import FontFile
from bot.rendering.layout import Bullet, Field, Item, Note, Section, Slot, Subtitle, Table, Title
from bot.rendering.pdf_font import PdfFaces, prepare_pdf_faces

FAMILY = "recordcjk"
MARGIN = 40.0  # points
SIZES = {"title": 16.0, "subtitle": 10.5, "label": 9.0, "value": 9.5, "section": 11.0, "th": 9.0, "td": 9.0,
         "bullet": 9.5, "note": 8.5, "footer": 8.0}
LEADING = 1.4
PAD = 3.0
BOLD_STROKE = 0.035  # outline width for heavier text, as a share of the font size (the font has no bold face)
BLACK, INK, GREY, BAND, HEAD, LABEL = 0, 60, 110, 228, 238, 246
NARROWEST_SHARE = 0.18  # a column keeps at least this share of the width (or its natural width) when shrunk
FIELD_SHARES = (0.15, 0.35, 0.15, 0.35)
KEEP_WITH_SECTION = 4  # table lines that must fit under a section heading, else it starts a new page
SIGNATURE_LINES = 3  # height of a blank field row (a signature), in text lines


def _texts(documents: Sequence[tuple[Item, ...]]) -> list[str]:
    out: list[str] = []
    for items in documents:
        for item in items:
            if isinstance(item, Table):
                out.extend(item.header)
                out.extend(cell for row in item.rows for cell in row)
            elif isinstance(item, Field):
                out.extend((item.label, item.value))
            elif isinstance(item, Slot):
                continue
            else:
                out.append(item.text)
    return out


def column_widths(natural: Sequence[float], total: float) -> list[float]:
    """Column widths summing to `total`: natural widths plus an even share of the spare room, or, when they do not
    fit, every column keeping min(natural, NARROWEST_SHARE of the total) and the rest shared by what each wants more."""
    if not natural:
        return []
    if sum(natural) <= total:
        extra = (total - sum(natural)) / len(natural)
        return [n + extra for n in natural]
    base = [min(n, total * NARROWEST_SHARE) for n in natural]
    room = total - sum(base)
    want = [n - b for n, b in zip(natural, base)]
    if room <= 0 or sum(want) <= 0:
        return [total * n / sum(natural) for n in natural]
    return [b + room * w / sum(want) for b, w in zip(base, want)]


class _Document(FPDF):
    """An A4 document whose footer shows "page / pages"."""

    def footer(self) -> None:
        """The page number, centred under the text."""
        self.set_y(-MARGIN + 8)
        self.set_font(FAMILY, size=SIZES["footer"])
        self.set_text_color(GREY)
        self.cell(0, SIZES["footer"] * LEADING, f"{self.page_no()} / {{nb}}", align=Align.C)


class RecordPdfRenderer:
    """Writes records as A4 PDFs; construct once per use (the reduced font faces are cached on disk)."""

    def __init__(self, font: FontFile, cache_dir: Path | None = None, reduce_font: bool = True) -> None:
        self.font = font
        self.cache_dir = cache_dir
        self.reduce_font = reduce_font
        self._faces: PdfFaces | None = None

    @property
    def faces(self) -> PdfFaces:
        """The prepared font faces (built on first use)."""
        if self._faces is None:
            self._faces = prepare_pdf_faces(self.font, self.cache_dir, self.reduce_font)
        return self._faces

    def pdf(self, documents: Sequence[tuple[Item, ...]], title: str) -> bytes:
        """One PDF holding each document (its layout items) from a new page on."""
        face = self.faces.face_for({ord(c) for text in _texts(documents) for c in text})
        doc = _Document(orientation="P", unit="pt", format="A4")
        doc.add_font(FAMILY, fname=str(face.path), collection_font_number=face.index)
        doc.set_margins(MARGIN, MARGIN, MARGIN)
        doc.set_auto_page_break(True, margin=MARGIN + 6)
        doc.set_title(title)
        doc.set_creator("skillbot")
        for items in documents or ((),):
            doc.add_page()
            self._document(doc, items)
        return bytes(doc.output())

    def _document(self, doc: FPDF, items: tuple[Item, ...]) -> None:
        fields: list[Field] = []
        for index, item in enumerate(items):
            if isinstance(item, Field):
                fields.append(item)
                continue
            if fields:
                self._fields(doc, fields)
                fields = []
            if isinstance(item, Title):
                self._centred(doc, item.text, "title", bold=True)
                doc.ln(PAD)
            elif isinstance(item, Subtitle):
                self._centred(doc, item.text, "subtitle")
                doc.ln(PAD)
            elif isinstance(item, Section):
                self._section(doc, item.text, self._reserve(items[index + 1:]))
            elif isinstance(item, Table):
                self._table(doc, item)
            elif isinstance(item, Bullet):
                self._line(doc, f"• {item.text}", "bullet", BLACK)
            elif isinstance(item, Note):
                self._line(doc, item.text, "note", INK)
        if fields:
            self._fields(doc, fields)

    def _height(self, role: str) -> float:
        return SIZES[role] * LEADING

    def _centred(self, doc: FPDF, text: str, role: str, bold: bool = False) -> None:
        size = SIZES[role]
        doc.set_font(FAMILY, size=size)
        doc.set_text_color(BLACK)
        if bold:
            with doc.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * BOLD_STROKE, draw_color=BLACK):
                self._wrapped(doc, text, role, Align.C)
        else:
            self._wrapped(doc, text, role, Align.C)

    def _wrapped(self, doc: FPDF, text: str, role: str, align: Align) -> None:
        """Text over the full width, wrapped between words (a run without spaces, as CJK text, at any character), then
        the next line; a text that fits on a page is not split across two."""
        line = self._height(role)
        height = doc.multi_cell(0, line, text, align=align, wrapmode=WrapMode.WORD, dry_run=True, output=MethodReturnValue.HEIGHT)
        if isinstance(height, (int, float)) and doc.will_page_break(height) and height < doc.eph:
            doc.add_page()
        doc.multi_cell(0, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.WORD)

    def _line(self, doc: FPDF, text: str, role: str, shade: int) -> None:
        doc.set_font(FAMILY, size=SIZES[role])
        doc.set_text_color(shade)
        self._wrapped(doc, text, role, Align.L)

    def _reserve(self, following: tuple[Item, ...]) -> float:
        """The room a section heading needs under it for what follows: a whole signature block, else a few lines."""
        fields = []
        for item in following:
            if not isinstance(item, Field):
                break
            fields.append(item)
        if fields and not any(f.value for f in fields):
            return self._blank_row() * ((len(fields) + 1) // 2)
        return KEEP_WITH_SECTION * self._height("td")

    def _blank_row(self) -> float:
        return self._height("value") * SIGNATURE_LINES + 2 * PAD

    def _section(self, doc: FPDF, text: str, reserve: float) -> None:
        height = self._height("section") + PAD
        if doc.will_page_break(height + PAD * 3 + reserve):  # no heading alone at a page's foot
            doc.add_page()
        doc.ln(PAD * 2)
        doc.set_font(FAMILY, size=SIZES["section"])
        doc.set_text_color(BLACK)
        doc.set_fill_color(BAND)
        with doc.local_context(text_mode=TextMode.FILL_STROKE, line_width=SIZES["section"] * BOLD_STROKE, draw_color=BLACK):
            doc.cell(0, height, f" {text}", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(PAD)

    def _fields(self, doc: FPDF, fields: list[Field]) -> None:
        """Label/value pairs, two per row, labels shaded; fields without values (signatures) get room to write in."""
        doc.set_font(FAMILY, size=SIZES["value"])
        doc.set_text_color(BLACK)
        label_style = FontFace(fill_color=LABEL, color=INK)
        blank = not any(f.value for f in fields)
        row_height = self._blank_row()
        if blank and doc.will_page_break(row_height * ((len(fields) + 1) // 2)):
            doc.add_page()
        with doc.table(
            col_widths=FIELD_SHARES, first_row_as_headings=False, line_height=self._height("value"), text_align=Align.L,
            wrapmode=WrapMode.WORD, padding=PAD, borders_layout=TableBordersLayout.ALL,
            min_row_height=row_height if blank else None,
        ) as table:
            for start in range(0, len(fields), 2):
                row = table.row()
                pair = fields[start:start + 2]
                for index, field in enumerate(pair):
                    row.cell(field.label, style=label_style)
                    row.cell(field.value, colspan=3 if len(pair) == 1 and index == 0 else 1)
        doc.ln(PAD)

    def _table(self, doc: FPDF, table: Table) -> None:
        """A grid with a shaded header row repeated on every page it spans."""
        doc.set_font(FAMILY, size=SIZES["td"])
        doc.set_text_color(BLACK)
        natural = []
        for column in range(len(table.header)):
            cells = [table.header[column], *(row[column] for row in table.rows)]
            natural.append(max(doc.get_string_width(cell) for cell in cells) + 2 * PAD + 1)
        widths = column_widths(natural, doc.epw)
        heading = FontFace(fill_color=HEAD, color=INK, emphasis="")
        with doc.table(
            col_widths=widths, width=doc.epw, headings_style=heading, line_height=self._height("td"), text_align=Align.L,
            wrapmode=WrapMode.WORD, padding=PAD, repeat_headings=1,
        ) as grid:
            for values in (table.header, *table.rows):
                row = grid.row()
                for value in values:
                    row.cell(value)
        doc.ln(PAD)
