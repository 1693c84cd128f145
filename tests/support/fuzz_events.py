"""Hypothesis strategies for every kind of input a flow step can get: text, buttons, contacts, files, commands."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.i18n import I18n
from flows import cert_query, commands, engine, review_card
from flows.events import ButtonPress, Command, ContactShared, Event, FileInput, TextInput, Unsupported
from flows.menu import COMMANDS
from tests.support.fuzz_forms import RESIDENT, TICKET, VALID_TEXTS

REPLY_LABELS = ("form.back", "form.cancel", "form.keep_current", "form.share_contact")
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})
ODD_CHARS = "\x00\x07\t\n\r\x0b\x0c\x1b\x7f\x85\u00a0\u200b\u200e\u202e\u2028\u3000\ufeff\U0001f600"
NAV_ACTIONS = ("back", "cancel", "ok", "done", "keep", "e", "c", "drop", "", "zz")
FOREIGN_BUTTONS = (
    "rv:next", "rv:ok:31", "rv:no:31", "rv:r:no:31:other", "rv:r:sup:31:documents", "rv:skip:31", "rv:x:31", "rv:card:31",
    "rv:photo:31", "rv:docs:31", "rv:ok:999", "rv:", "cq:go", "cq:new", "cq:", "lang:en", "lang:zh_CN", "lang:xx", "lang:",
    "bt:show:1", "ca:fix:1", "in:no:9:3", "ap:fix:1", "ap:wd:1", "sc:ok:1", "fp:ok:1", "ck:1:a:1", "noop", "",
)
COMMAND_NAMES = tuple(sorted({c for names in COMMANDS.values() for c in names} | {"back", "start", "zz", "cert", "review"}))
PHONES = ("13800138000", "+86 138 0013 8000", "8613800138000", "+14155552671", "+", "", "1380013800O", "１３８００１３８０００")
MIMES = (None, "", "image/jpeg", "image/png", "application/pdf", "text/plain", "image/gif")

_safe = st.characters(blacklist_categories=("Cs",))
plain_text = st.text(_safe, max_size=60)


def reply_labels(i18n: I18n) -> tuple[str, ...]:
    """Reply-keyboard labels as typed back in every locale (the turn maps them to button presses)."""
    return tuple(i18n.render(locale, key) for locale in commands.LOCALES for key in REPLY_LABELS)


def texts(labels: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Arbitrary, odd, full-width, padded, empty and very long text, plus valid answers of every step."""
    samples = VALID_TEXTS + labels + ("", " ", "\n", "\u3000", "/", "0", "-1", "9" * 40, RESIDENT.lower(), RESIDENT[:17] + "x")
    odd = st.text(st.sampled_from(ODD_CHARS), min_size=1, max_size=6)
    return st.one_of(
        plain_text,
        st.sampled_from(samples),
        st.sampled_from(samples).map(lambda t: t.translate(FULL_WIDTH)),
        st.tuples(st.sampled_from(samples), odd, st.booleans()).map(lambda p: p[0] + p[1] if p[2] else p[1] + p[0]),
        st.tuples(st.sampled_from(samples + ("x",)), st.integers(50, 700)).map(lambda p: ((p[0] or "x") + "\n") * p[1]),
    ).map(lambda t: t[:6000])


def buttons(steps: tuple[str, ...], options: tuple[str, ...], forms: tuple[str, ...]) -> st.SearchStrategy[Event]:
    """Arbitrary callback data, and well-formed navigation naming the form's steps, options and other forms."""
    names = st.sampled_from(steps + ("zz", "", engine.SUMMARY))
    values = st.one_of(st.sampled_from(options + ("", "zz", "1", "999")), plain_text)
    return st.one_of(
        st.text(_safe, max_size=70),
        st.tuples(st.sampled_from(NAV_ACTIONS), plain_text).map(lambda p: engine.nav(*p) if p[1] else engine.nav(p[0])),
        st.tuples(names, values).map(lambda p: engine.nav("c", f"{p[0]}:{p[1]}")),
        names.map(lambda s: engine.nav("e", s)),
        st.sampled_from(forms + ("zz", "")).map(lambda f: engine.nav("drop", f)),
        st.sampled_from(FOREIGN_BUTTONS),
        st.tuples(st.sampled_from((review_card.PREFIX, cert_query.PREFIX, "lang")), plain_text).map(":".join),
    ).map(ButtonPress)


def files() -> st.SearchStrategy[Event]:
    """Photos and documents with arbitrary and edge-case metadata (sizes, types, dimensions, repeated ids)."""
    maybe_int = st.none() | st.integers(-5, 10**9)
    return st.builds(
        FileInput,
        st.sampled_from(("photo", "document")),
        st.text(_safe, max_size=12),
        st.text("ab", max_size=3),
        maybe_int,
        st.sampled_from(MIMES) | plain_text,
        st.none() | plain_text,
        st.none() | st.integers(-5, 20000),
        st.none() | st.integers(-5, 20000),
        st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
        st.none() | st.booleans(),
    )


def events(labels: tuple[str, ...], steps: tuple[str, ...], options: tuple[str, ...], forms: tuple[str, ...]) -> st.SearchStrategy[Event]:
    """Any input event a transport can produce, biased towards what the form at hand understands."""
    args = st.one_of(plain_text, st.sampled_from(("", RESIDENT, f"张三 {RESIDENT}", f"tk_{TICKET}", "tk_", "inv_x", "ct_x")))
    return st.one_of(
        texts(labels).map(TextInput),
        buttons(steps, options, forms),
        st.builds(ContactShared, st.sampled_from(PHONES) | plain_text, st.booleans()),
        files(),
        st.builds(Command, st.sampled_from(COMMAND_NAMES) | st.text("abz_09", max_size=8), args),
        st.builds(Unsupported, st.sampled_from(("sticker", "edited", "location", "voice")) | plain_text),
    )
