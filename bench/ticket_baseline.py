"""The naive reference for the tickets benchmark: the same layout drawn the straightforward way.

Fonts opened again for every ticket, every text measured and drawn from scratch with `ImageDraw.text`, the QR code
from qrcode's own `qrcode.make()` PIL image (scaled into its box), the "L" image saved with Pillow's default PNG
settings. The PDF reference embeds the full font collection for every document.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw

from bot.i18n import I18n
from bot.rendering.fonts import FontFile
from bot.rendering.ticket_pdf import TicketPdfRenderer
from bot.rendering.ticket_plan import Picture, Text
from bot.rendering.ticket_png import TicketRenderer
from bot.rendering.ticket_view import TicketView


class NaiveTicketRenderer(TicketRenderer):
    """TicketRenderer without its caches, fast QR drawing and fast PNG encoding."""

    def __init__(self, i18n: I18n, font: FontFile) -> None:
        super().__init__(i18n, font)
        self._pdf = TicketPdfRenderer(self.font, reduce_font=False)

    def png(self, view: TicketView) -> bytes:
        """A ticket PNG, opening the fonts afresh as a one-off script would."""
        self._fonts.clear()
        return super().png(view)

    def _measure(self, text: str, role: str) -> float:
        return self._font(self.style.sizes[role]).getlength(text)

    def _draw_text(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, op: Text) -> None:
        draw.text((round(op.x), round(op.top)), op.text, font=self._font(op.size), fill=op.shade, anchor="la")

    def _qr(self, link: str, box: Picture) -> Image.Image:
        image = qrcode.make(link).get_image().convert("L")
        return image.resize((round(box.w), round(box.h)), Image.Resampling.NEAREST)

    def _encode(self, canvas: Image.Image) -> bytes:
        out = io.BytesIO()
        canvas.save(out, "PNG")
        return out.getvalue()
