"""Page geometry of a ticket: layout items placed as drawing operations, in the units of the target (px or pt).

Both renderers use this planner with their own `Style` and text measure, so the PNG and the PDF share one layout:
title and subtitles centred; a header band with the fields on the left and the photo box and QR code on the
right; then sections, tables (wrapped cells), bullets and notes in the order the template gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

from bot.rendering.layout import Bullet, Field, Item, Note, Section, Slot, Subtitle, Table, Title
from bot.rendering.wrap import widest_chunk, wrap

Measure = Callable[[str, str], float]  # (text, role) -> width

BLACK, INK, GREY, RULE, BAND, HEAD = 0, 60, 110, 150, 228, 242
BOLD_ROLES = frozenset({"title", "section"})  # drawn heavier: the fonts have no bold face
KEEP_WHOLE_SHARE = 0.34  # a table column grows to keep its chunks ("2026年12月5日") whole, up to this share


@dataclass(frozen=True)
class Style:
    """Sizes for one target: page width, margins, font size per text role, picture boxes, spacing."""

    width: float
    margin: float
    frame: float  # inset of the outer frame from the page edge
    sizes: dict[str, float]
    photo: tuple[float, float]
    qr: float
    gap: float
    pad: float
    rule: float
    leading: float = 1.45


@dataclass(frozen=True)
class Text:
    """A single line of text; `top` is the ascender line, `size` the font size."""

    x: float
    top: float
    text: str
    role: str
    size: float
    shade: int = BLACK


@dataclass(frozen=True)
class Box:
    """A rectangle, filled and/or stroked (greyscale 0-255, None for none)."""

    x: float
    y: float
    w: float
    h: float
    fill: int | None = None
    stroke: int | None = None
    line: float = 1.0


@dataclass(frozen=True)
class Rule:
    """A straight line."""

    x1: float
    y1: float
    x2: float
    y2: float
    shade: int
    line: float


@dataclass(frozen=True)
class Dot:
    """A filled bullet dot."""

    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Picture:
    """A box a renderer fills with a picture: `photo` or `qr`."""

    kind: str
    x: float
    y: float
    w: float
    h: float


Op = Union[Text, Box, Rule, Dot, Picture]


@dataclass
class Plan:
    """Everything to draw, top to bottom, and the page size it needs."""

    width: float
    height: float = 0.0
    ops: list[Op] = field(default_factory=list)

    def picture(self, kind: str) -> Picture | None:
        """The picture box of a kind, if planned."""
        return next((op for op in self.ops if isinstance(op, Picture) and op.kind == kind), None)


class Planner:
    """Places layout items for one style and text measure (ascent/descent as fractions of the font size)."""

    def __init__(self, style: Style, measure: Measure, ascent: float, descent: float) -> None:
        self.s = style
        self.measure = measure
        self.ascent = ascent
        self.descent = descent

    def line_height(self, role: str) -> float:
        """Height of one text line of a role."""
        return self.s.sizes[role] * self.s.leading

    def _text(self, plan: Plan, x: float, y: float, text: str, role: str, shade: int = BLACK) -> None:
        size = self.s.sizes[role]
        top = y + (self.line_height(role) - (self.ascent + self.descent) * size) / 2
        plan.ops.append(Text(x, top, text, role, size, shade))

    def _lines(self, text: str, width: float, role: str) -> list[str]:
        return wrap(text, width, lambda t: self.measure(t, role))

    def _block(self, plan: Plan, x: float, y: float, lines: list[str], role: str, shade: int = BLACK) -> float:
        """Left-aligned lines from y; returns the y under them."""
        step = self.line_height(role)
        for line in lines:
            self._text(plan, x, y, line, role, shade)
            y += step
        return y

    def _centred(self, plan: Plan, x: float, width: float, y: float, text: str, role: str, shade: int = BLACK) -> float:
        for line in self._lines(text, width, role):
            self._text(plan, x + (width - self.measure(line, role)) / 2, y, line, role, shade)
            y += self.line_height(role)
        return y

    def plan(self, items: tuple[Item, ...], has_photo: bool) -> Plan:
        """The drawing operations for the items; the photo caption is drawn only when there is no photo."""
        s = self.s
        plan = Plan(s.width)
        left, width = s.margin, s.width - 2 * s.margin
        y = s.margin
        slots = {item.name: item.caption for item in items if isinstance(item, Slot)}
        rest = [item for item in items if not isinstance(item, Slot)]
        while rest and isinstance(rest[0], (Title, Subtitle)):
            head = rest.pop(0)
            role = "title" if isinstance(head, Title) else "subtitle"
            y = self._centred(plan, left, width, y, head.text, role, BLACK if role == "title" else INK)
        y += s.gap / 2
        plan.ops.append(Rule(left, y, left + width, y, BLACK, s.rule * 2))
        y += s.gap
        fields: list[Field] = []
        while rest and isinstance(rest[0], Field):
            fields.append(rest.pop(0))  # type: ignore[arg-type]
        y = self._header(plan, left, width, y, fields, slots, has_photo) + s.gap
        previous: Item | None = None
        for item in rest:
            if isinstance(item, Note) and not isinstance(previous, Note):
                y += s.gap / 3
            y = self._item(plan, left, width, y, item)
            previous = item
        plan.height = y + s.margin
        inset = s.frame
        plan.ops.append(Box(inset, inset, s.width - 2 * inset, plan.height - 2 * inset, stroke=BLACK, line=s.rule * 1.5))
        return plan

    def _header(
        self, plan: Plan, left: float, width: float, y: float, fields: list[Field], slots: dict[str, str], has_photo: bool
    ) -> float:
        """Fields on the left; photo box and QR code (with caption) in a column on the right."""
        s = self.s
        column = max(s.photo[0], s.qr) if slots else 0.0
        right = left + width - column
        bottom = y
        if "photo" in slots:
            pw, ph = s.photo
            px = right + (column - pw) / 2
            plan.ops.append(Picture("photo", px, bottom, pw, ph))
            plan.ops.append(Box(px, bottom, pw, ph, stroke=GREY, line=s.rule))
            if not has_photo:
                middle = bottom + (ph - self.line_height("caption")) / 2
                self._centred(plan, px, pw, middle, slots["photo"], "caption", GREY)
            bottom += ph + s.gap / 2
        if "qr" in slots:
            plan.ops.append(Picture("qr", right + (column - s.qr) / 2, bottom, s.qr, s.qr))
            bottom = self._centred(plan, right, column, bottom + s.qr, slots["qr"], "number")
        fields_width = width - column - (s.gap if column else 0)
        end = self._fields(plan, left, fields_width, y, fields)
        return max(end, bottom)

    def _fields(self, plan: Plan, left: float, width: float, y: float, fields: list[Field]) -> float:
        """Label and value rows with a light rule under each; labels share one column width."""
        if not fields:
            return y
        s = self.s
        label_w = min(max(self.measure(f.label, "label") for f in fields), width * 0.4)
        value_x = left + label_w + s.pad * 2
        value_w = left + width - value_x
        for f in fields:
            labels = self._lines(f.label, label_w, "label")
            values = self._lines(f.value, value_w, "value")
            height = max(len(labels) * self.line_height("label"), len(values) * self.line_height("value")) + s.pad
            top = y + s.pad / 2
            self._block(plan, left, top + (self.line_height("value") - self.line_height("label")) / 2, labels, "label", GREY)
            self._block(plan, value_x, top, values, "value")
            y += height
            plan.ops.append(Rule(left, y, left + width, y, RULE, s.rule / 2))
        return y

    def _item(self, plan: Plan, left: float, width: float, y: float, item: Item) -> float:
        s = self.s
        if isinstance(item, Section):
            height = self.line_height("section") + s.pad
            plan.ops.append(Box(left, y, width, height, fill=BAND))
            plan.ops.append(Box(left, y, s.pad / 2, height, fill=BLACK))
            self._text(plan, left + s.pad * 1.5, y + s.pad / 2, item.text, "section")
            return y + height + s.gap / 2
        if isinstance(item, Table):
            return self._table(plan, left, width, y, item) + s.gap
        if isinstance(item, Field):
            return self._fields(plan, left, width, y, [item]) + s.gap / 4
        if isinstance(item, Bullet):
            indent = s.sizes["bullet"] * 1.2
            lines = self._lines(item.text, width - indent, "bullet")
            r = s.sizes["bullet"] * 0.14
            plan.ops.append(Dot(left + indent / 2 - r, y + self.line_height("bullet") / 2, r))
            return self._block(plan, left + indent, y, lines, "bullet") + s.pad / 3
        if isinstance(item, Note):
            return self._block(plan, left, y, self._lines(item.text, width, "note"), "note", INK)
        return self._centred(plan, left, width, y, item.text, "subtitle", INK)  # a title or subtitle in the body

    def _columns(self, table: Table, width: float) -> list[float]:
        """Column widths: narrow columns get what they need, wide ones share the rest by their natural width."""
        pad = self.s.pad * 2
        rows = (table.header, *table.rows)
        natural = [max(self.measure(row[i], "td") for row in rows) + pad for i in range(len(table.header))]
        cap = width * KEEP_WHOLE_SHARE
        least = [min(cap, max(widest_chunk(row[i], lambda t: self.measure(t, "td")) for row in rows)) + pad for i in range(len(natural))]
        if sum(natural) <= width:
            extra = (width - sum(natural)) / len(natural)
            return [n + extra for n in natural]
        fixed: dict[int, float] = {}
        while True:
            free = [i for i in range(len(natural)) if i not in fixed]
            room = width - sum(fixed.values())
            share = room / max(1, len(free))
            narrow = [i for i in free if natural[i] <= share]
            if not narrow or len(narrow) == len(free):
                break
            fixed.update({i: natural[i] for i in narrow})
        total = sum(natural[i] for i in free)
        widths = [fixed.get(i, room * natural[i] / total if total else share) for i in range(len(natural))]
        for i in [i for i in range(len(widths)) if widths[i] < least[i]]:  # avoid cutting a word when another column can give the room
            donor = max(range(len(widths)), key=lambda j: widths[j] - least[j])
            give = min(least[i] - widths[i], widths[donor] - least[donor])
            if give > 0:
                widths[i] += give
                widths[donor] -= give
        return widths

    def _table(self, plan: Plan, left: float, width: float, y: float, table: Table) -> float:
        """A grid with a shaded header row; each cell wrapped to its column and centred vertically."""
        s = self.s
        widths = self._columns(table, width)
        top = y
        for index, row in enumerate((table.header, *table.rows)):
            role = "th" if index == 0 else "td"
            cells = [self._lines(text, w - 2 * s.pad, role) for text, w in zip(row, widths)]
            height = max(len(c) for c in cells) * self.line_height(role) + s.pad * 1.5
            if index == 0:
                plan.ops.append(Box(left, y, width, height, fill=HEAD))
            x = left
            for lines, w in zip(cells, widths):
                offset = (height - len(lines) * self.line_height(role)) / 2
                self._block(plan, x + s.pad, y + offset, lines, role, INK if index == 0 else BLACK)
                x += w
            y += height
            plan.ops.append(Rule(left, y, left + width, y, RULE, s.rule / 2))
        x = left
        for w in widths[:-1]:
            x += w
            plan.ops.append(Rule(x, top, x, y, RULE, s.rule / 2))
        plan.ops.append(Box(left, top, width, y - top, stroke=GREY, line=s.rule / 2))
        return y
