"""Admission tickets: the layout language, the template in both locales, PNG and A4 PDF output, QR and font lookup."""

from __future__ import annotations

import io
import random
import re
import string
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M

from bot.i18n import I18n
from bot.rendering.fonts import FontFile, FontMissing, find_cjk_font
from bot.rendering.layout import Bullet, Field, LayoutError, Note, Section, Slot, Subtitle, Table, Title, parse
from bot.rendering.qr import QUIET_ZONE, qr_fit, qr_matrix
from bot.rendering.qr_mask import _bits, penalty
from bot.rendering.ticket_content import ticket_items
from bot.rendering.ticket_pdf import A4
from bot.rendering.ticket_plan import Text
from bot.rendering.ticket_png import TicketRenderer
from bot.rendering.ticket_view import TicketSessionView, TicketView
from bot.rendering.wrap import wrap
from tests.support.images import id_photo

LONG_SITE = "常州市技师学院（武进校区）实训楼三楼东侧计算机机房及配套的实操考核工位区域"


def _view(locale: str = "zh_CN", photo: bytes | None = None, sessions: int = 2, site: str = "常州技师学院") -> TicketView:
    zh = locale == "zh_CN"
    sittings = tuple(
        TicketSessionView(
            "理论知识" if zh else "Theory",
            "2026年12月5日" if zh else "5 Dec 2026",
            "09:00–10:30",
            site,
            f"第{n + 1}考场" if zh else f"Room {n + 1}",
            str(n + 7),
        )
        for n in range(sessions)
    )
    return TicketView(
        locale=locale,
        number="2026320400123",
        name="欧阳娜娜" if zh else "Ouyang Nana",
        gender="女" if zh else "Female",
        id_type="居民身份证" if zh else "Resident ID card",
        id_number="3204**********1234",
        occupation="电工（维修电工）" if zh else "Electrician (maintenance)",
        level="四级/中级工" if zh else "Level 4 / Intermediate",
        batch="2026年第四批" if zh else "2026 batch 4",
        institution="常州市职业技能鉴定指导中心" if zh else "Changzhou Vocational Skill Testing Centre",
        sessions=sittings,
        qr_link="https://t.me/skillbot_test_bot?start=tk_AAAAAQABabcdefghijklmnop",
        issued="2026年11月23日" if zh else "23 Nov 2026",
        photo=photo,
    )


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


@pytest.fixture(scope="module")
def renderer(i18n: I18n) -> TicketRenderer:
    return TicketRenderer(i18n, find_cjk_font())


# --- layout language -------------------------------------------------------------------------------------------


def test_layout_language_items() -> None:
    source = "# T\n~ sub\n! qr | 123\n= Name | A | B\n## S\n| h1 | h2\n| a | b\n| c\n\n- rule\n> note\n"
    assert parse(source) == (
        Title("T"),
        Subtitle("sub"),
        Slot("qr", "123"),
        Field("Name", "A | B"),
        Section("S"),
        Table(("h1", "h2"), (("a", "b"), ("c", ""))),
        Bullet("rule"),
        Note("note"),
    )


@pytest.mark.parametrize("bad", ["? what", "= no separator", "| a\n| b | c | d", "#", "!photo"])
def test_layout_language_rejects_malformed_lines(bad: str) -> None:
    with pytest.raises(LayoutError):
        parse(bad)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_template_parses_with_every_ticket_fact(i18n: I18n, locale: str) -> None:
    view = _view(locale, sessions=3)
    items = ticket_items(i18n, view)
    assert isinstance(items[0], Title)
    values = {item.value for item in items if isinstance(item, Field)}
    assert {view.name, view.id_number, view.number, view.occupation, view.level, view.gender} <= values
    slots = {item.name: item.caption for item in items if isinstance(item, Slot)}
    assert set(slots) == {"photo", "qr"} and view.number in slots["qr"]
    (table,) = [item for item in items if isinstance(item, Table)]
    assert len(table.rows) == 3 and all(len(row) == len(table.header) for row in table.rows)
    assert any(view.sessions[0].site in cell for cell in table.rows[0])
    rules = " ".join(item.text for item in items if isinstance(item, Bullet))
    assert len([item for item in items if isinstance(item, Bullet)]) >= 5
    assert "15" in rules and "30" in rules and "2B" in rules


def test_template_titles_per_locale(i18n: I18n) -> None:
    titles = {loc: ticket_items(i18n, _view(loc))[0] for loc in ("zh_CN", "en")}
    assert "准考证" in titles["zh_CN"].text and "Admission Ticket" in titles["en"].text


def test_values_cannot_break_the_layout(i18n: I18n) -> None:
    view = replace(_view(), name="张|三\n= Fake | row", sessions=(TicketSessionView("a|b", "d", "t", "s|x", "r", "1"),))
    items = ticket_items(i18n, view)
    names = [item.value for item in items if isinstance(item, Field) and "张" in item.value]
    assert names and "\n" not in names[0]
    (table,) = [item for item in items if isinstance(item, Table)]
    assert len(table.rows[0]) == len(table.header)


def test_no_sessions_still_renders(i18n: I18n) -> None:
    items = ticket_items(i18n, _view(sessions=0))
    assert any(isinstance(item, Note) for item in items)


# --- wrapping --------------------------------------------------------------------------------------------------


def _width(text: str) -> float:
    return sum(2.0 if ord(c) > 0x2E80 else 1.0 for c in text)


def test_wrap_keeps_lines_within_width_and_chunks_whole() -> None:
    text = "2026年12月5日 09:00–10:30 " + LONG_SITE + "，考场。"
    for width in (8, 13, 20, 31):
        lines = wrap(text, width, _width)
        assert all(_width(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line.startswith(("，", "。")) for line in lines)
    assert wrap("2026年12月5日 09:00–10:30", 20, _width) == ["2026年12月5日", "09:00–10:30"]
    assert wrap("Arrive 15 minutes early", 10, _width) == ["Arrive 15", "minutes", "early"]


# --- QR --------------------------------------------------------------------------------------------------------


def _reference_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


def test_qr_matrix_is_qrcodes_own_for_many_inputs() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "_-:/?.=准考证"
    for _ in range(60):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 260)))
        assert qr_matrix(data) == _reference_matrix(data), data


def test_fast_penalty_equals_qrcodes() -> None:
    for data in ("x", "https://t.me/b?start=tk_" + "A" * 24, "准考证" * 30):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        for mask in range(8):
            code.makeImpl(True, mask)
            rows = [_bits(row) for row in code.modules]
            assert penalty(rows, len(rows)) == qr_util.lost_point(code.modules)


# --- PNG -------------------------------------------------------------------------------------------------------


def _png(renderer: TicketRenderer, view: TicketView) -> Image.Image:
    image = Image.open(io.BytesIO(renderer.png(view)))
    assert image.format == "PNG"
    return image.convert("L")


def test_png_decodes_portrait_phone_width(renderer: TicketRenderer) -> None:
    raw = Image.open(io.BytesIO(renderer.png(_view())))
    assert raw.mode in ("L", "P") and raw.width == 1080 and raw.height > raw.width
    grey = raw.convert("L")
    assert grey.getpixel((raw.width // 2, 5)) == 255  # white paper
    assert min(grey.tobytes()) == 0  # black ink


def test_png_qr_modules_encode_the_link(renderer: TicketRenderer) -> None:
    view = _view()
    image = _png(renderer, view)
    box = renderer.plan(view).picture("qr")
    assert box is not None
    expected = _reference_matrix(view.qr_link)
    module_px, offset = qr_fit(len(expected), box.w)
    assert module_px >= 4
    left, top = round(box.x) + round(offset), round(box.y) + round(offset)
    size = len(expected) + 2 * QUIET_ZONE
    read = tuple(
        tuple(image.getpixel((left + c * module_px + module_px // 2, top + r * module_px + module_px // 2)) < 128 for c in range(size))
        for r in range(size)
    )
    assert not any(any(row) for row in read[:QUIET_ZONE] + read[-QUIET_ZONE:])  # quiet zone
    assert tuple(row[QUIET_ZONE:-QUIET_ZONE] for row in read[QUIET_ZONE:-QUIET_ZONE]) == expected


def test_photo_is_pasted_into_its_box(renderer: TicketRenderer) -> None:
    plain_view = _view()
    box = renderer.plan(plain_view).picture("photo")
    assert box is not None
    inner = (round(box.x) + 4, round(box.y) + 4, round(box.x + box.w) - 4, round(box.y + box.h) - 4)
    plain = _png(renderer, plain_view).crop(inner)
    with_photo = _png(renderer, _view(photo=id_photo((40, 90, 200)))).crop(inner)
    assert plain.tobytes() != with_photo.tobytes()
    assert sum(with_photo.tobytes()) < sum(plain.tobytes())  # the photo is darker than the empty, labelled box


def test_unreadable_photo_leaves_the_box_empty(renderer: TicketRenderer) -> None:
    assert Image.open(io.BytesIO(renderer.png(_view(photo=b"not an image")))).width == 1080


def test_locales_render_differently(renderer: TicketRenderer) -> None:
    zh, en = renderer.png(_view("zh_CN")), renderer.png(_view("en"))
    assert zh != en


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_long_values_wrap_inside_the_page(renderer: TicketRenderer, locale: str) -> None:
    view = replace(_view(locale, sessions=3, site=LONG_SITE), institution=LONG_SITE * 2, occupation=LONG_SITE)
    plan = renderer.plan(view)
    margin = renderer.style.margin
    texts = [op for op in plan.ops if isinstance(op, Text)]
    assert texts
    for op in texts:
        right = op.x + renderer._measure(op.text, op.role)
        assert op.x >= margin - 1 and right <= plan.width - margin + 1, op.text
    assert max(op.top for op in texts) < plan.height - margin


# --- PDF -------------------------------------------------------------------------------------------------------


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match: re.Match[bytes]) -> bytes:
    """One PDF literal-string escape: \\n, \\ddd (octal), or an escaped character."""
    body = match.group(1)
    if body[:1].isdigit():
        return bytes([int(body, 8)])
    return _ESCAPES.get(body, body)


def _pdf_text(pdf: bytes) -> str:
    """The text of all Tj strings, decoded through the fonts' ToUnicode maps (streams are Flate-compressed)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    mapping: dict[bytes, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[bytes.fromhex(code.decode())] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    out: list[str] = []
    for stream in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            raw = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, literal, flags=re.S)
            out.append("".join(mapping.get(raw[i : i + 2], "?") for i in range(0, len(raw), 2)))
    return "\n".join(out)


def test_pdf_is_a4_with_embedded_font_and_the_ticket_text(renderer: TicketRenderer) -> None:
    view = _view(photo=id_photo())
    pdf = renderer.pdf(view)
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    assert b"/FontFile2" in pdf and b"/Subtype /Image" in pdf
    text = _pdf_text(pdf)
    for expected in (view.number, view.name, view.id_number, "准考证", view.sessions[0].site):
        assert expected in text
    assert A4[0] == pytest.approx(595.28)


def test_pdf_locales_differ_and_rare_characters_use_the_full_face(renderer: TicketRenderer) -> None:
    en = _pdf_text(renderer.pdf(_view("en")))
    assert "Admission Ticket" in en and "准考证" not in en
    rare = replace(_view(), name="王玥堃")  # outside GB2312: needs the full font face
    assert "王玥堃" in _pdf_text(renderer.pdf(rare))


def test_pdf_with_many_sittings_still_fits_one_page(renderer: TicketRenderer) -> None:
    pdf = renderer.pdf(_view(sessions=12, site=LONG_SITE))
    assert len(re.findall(rb"/Type /Page(?!s)", pdf)) == 1
    assert "第12考场" in _pdf_text(pdf)


# --- fonts -----------------------------------------------------------------------------------------------------


def test_font_lookup_finds_a_cjk_font() -> None:
    font = find_cjk_font()
    assert font.path.is_file()


def test_explicit_font_path_wins_and_missing_one_explains(tmp_path: Path) -> None:
    found = find_cjk_font()
    assert find_cjk_font(found.path) == FontFile(found.path)
    with pytest.raises(FontMissing, match="TICKET_FONT") as raised:
        find_cjk_font(tmp_path / "nope.ttf")
    assert "scripts/fonts.sh" in str(raised.value)


def test_no_font_anywhere_raises_font_missing(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as raised:
        find_cjk_font(known=(FontFile(tmp_path / "absent.ttc"),), use_fontconfig=False)
    message = str(raised.value)
    assert "scripts/fonts.sh" in message and "TICKET_FONT" in message


def test_renderer_from_settings_uses_ticket_font(tmp_path: Path, i18n: I18n) -> None:
    from tests.conftest import make_settings

    font = find_cjk_font()
    renderer = TicketRenderer.from_settings(i18n, make_settings(tmp_path, ticket_font=font.path))
    assert renderer.font == FontFile(font.path)
    with pytest.raises(FontMissing, match="scripts/fonts.sh"):
        TicketRenderer.from_settings(i18n, make_settings(tmp_path, ticket_font=tmp_path / "missing.ttc"))
