"""Terminal rendering of outgoing messages; remembers which button `#N` presses, as a chat screen would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import I18n
from bot.outgoing import OutMarkup, Outgoing

BOT_PREFIX = "🤖 "
INDENT = "   "
KEYBOARD_PREFIX = "⌨️ "
NOTICE_PREFIX = "» "


@dataclass(frozen=True)
class ConsoleButton:
    """A button the user can press with `#N`: inline (callback or URL) or reply keyboard (request contact)."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False
    reply: bool = False


def _inline(raw: dict[str, Any]) -> ConsoleButton:
    return ConsoleButton(str(raw.get("text", "")), raw.get("callback_data"), raw.get("url"))


def _reply(raw: dict[str, Any]) -> ConsoleButton:
    return ConsoleButton(str(raw.get("text", "")), request_contact=bool(raw.get("request_contact")), reply=True)


class ConsoleView:
    """Turns Outgoing lists into lines; inline buttons of the last message and the reply keyboard are numbered."""

    def __init__(self, i18n: I18n, files_dir: Path | None = None) -> None:
        self.i18n = i18n
        self.files_dir = files_dir  # where generated files (tickets) are saved so the user can open them
        self.inline: list[ConsoleButton] = []
        self.keyboard: list[list[ConsoleButton]] = []

    @property
    def buttons(self) -> list[ConsoleButton]:
        """Pressable buttons in `#N` order: inline ones first, then the reply keyboard."""
        return self.inline + [b for row in self.keyboard for b in row]

    def button(self, number: int) -> ConsoleButton | None:
        """The button `#number` presses, if there is one."""
        buttons = self.buttons
        return buttons[number - 1] if 1 <= number <= len(buttons) else None

    def notice(self, text: str) -> list[str]:
        """A console notice (not a bot message)."""
        return [NOTICE_PREFIX + line for line in text.splitlines() or [""]]

    def show(self, outgoing: list[Outgoing], locale: str) -> list[str]:
        """Lines for one turn's messages; updates the pressable buttons."""
        messages = [o for o in outgoing if o.kind not in ("answer", "commands")]
        lines = [NOTICE_PREFIX + o.text for o in outgoing if o.kind == "answer" and o.text]
        if not messages:
            return lines
        self.inline = []
        for index, message in enumerate(messages):
            lines += self._body(message, locale)
            markup = message.markup
            if markup is None:
                continue
            if markup.kind == "inline":
                last = index == len(messages) - 1
                if last:
                    self.inline = [_inline(b) for row in markup.rows for b in row]
                lines += self._inline_lines(markup, numbered=last)
            elif markup.kind == "reply":
                self.keyboard = [[_reply(b) for b in row] for row in markup.rows]
            else:
                self.keyboard = []
        return lines + self._keyboard_lines(locale)

    def _body(self, message: Outgoing, locale: str) -> list[str]:
        text = message.text
        if message.kind == "photo":
            text = self.i18n.render(locale, "console.photo", {"caption": message.text})
        elif message.kind == "document":
            text = self.i18n.render(locale, "console.document", {"name": message.filename, "caption": message.text})
        elif message.kind == "edit":  # Telegram would change the pressed message in place
            text = self.i18n.render(locale, "console.edited", {"text": message.text})
        saved = self._save(message)
        if saved is not None:
            text += "\n" + self.i18n.render(locale, "console.saved_file", {"path": str(saved)})
        first, *rest = text.splitlines() or [""]
        return [BOT_PREFIX + first] + [INDENT + line if line else "" for line in rest]

    def _save(self, message: Outgoing) -> Path | None:
        """Write a generated photo/document to `files_dir` (the file name is the bot's, never a user's)."""
        if self.files_dir is None or message.content is None or message.kind not in ("photo", "document"):
            return None
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(message.filename or "file").name
        path.write_bytes(message.content)
        return path

    def _inline_lines(self, markup: OutMarkup, numbered: bool) -> list[str]:
        lines, number = [], 0
        for row in markup.rows:
            cells = []
            for raw in row:
                number += 1
                tag = f"[{number}]" if numbered else "[·]"
                suffix = f" → {raw['url']}" if raw.get("url") else ""
                cells.append(f"{tag} {raw.get('text', '')}{suffix}")
            lines.append(INDENT + "  ".join(cells))
        return lines

    def _keyboard_lines(self, locale: str) -> list[str]:
        if not self.keyboard:
            return []
        number = len(self.inline)
        lines = []
        for row in self.keyboard:
            cells = []
            for button in row:
                number += 1
                hint = " " + self.i18n.render(locale, "console.contact_hint") if button.request_contact else ""
                cells.append(f"[{number}] {button.text}{hint}")
            lines.append(INDENT + KEYBOARD_PREFIX + "  ".join(cells))
        return lines
