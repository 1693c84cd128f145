"""Terminal chat for the no-token demo: each input line is routed exactly as a Telegram message would be.

`#N` presses button N of the last bot message (or of the reply keyboard), `#contact PHONE` shares the user's
own phone number, `#photo` / `#file NAME` simulate uploads, `#help` shows the banner, `#quit` or EOF ends.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from types import MappingProxyType
from typing import Awaitable, Callable, Mapping, TextIO

from bot.app import App
from bot.logs import failure_site
from bot.outgoing import Outgoing
from bot.services import announce_usecases, batch_usecases, cert_admin_usecases, cert_import_usecases, cert_usecases, usecases
from bot.services import checklist_usecases
from bot.services import attendance_usecases
from bot.services import room_record_usecases
from bot.services import incident_usecases
from bot.services import deadline_usecases
from bot.services import score_usecases
from handlers import console_staff_tools
from flows.incident import REPORT_ROLES as INCIDENT_ROLES
from bot.services.tickets import SHOW_BUTTON
from flows.batch_card import PREFIX as BATCH_PREFIX
from bot.services.intake import update_scope
from bot.services.turn import Actor, Outcome, Turn
from flows.commands import LANG_PREFIX
from flows.events import ButtonPress, ContactShared, Event, FileInput, TextInput
from flows.menu import CANDIDATE, STAFF_ROLES
from flows.my import PREFIX as APPLICATION_PREFIX
from flows.review_card import PREFIX as REVIEW_PREFIX
from handlers.commands import parse_command
from handlers.console_outbox import show_due
from handlers.console_view import ConsoleButton, ConsoleView
from storage.repositories import users

log = logging.getLogger(__name__)

Route = Callable[[Turn], Awaitable[Outcome]]
DIRECTIVE = "#"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # terminal control characters are never printed
PHOTO_SIZE = (413, 579)  # a 2-inch photo at 300 dpi


async def route_text(turn: Turn, text: str) -> Outcome:
    """A typed message: /start, simple commands, /my, staff commands for staff only, everything else is input."""
    command = parse_command(text)
    if command is None:
        return await usecases.user_input(turn, TextInput(text))
    if command.name == "start":
        return await usecases.start(turn, command.args)
    if command.name in usecases.SIMPLE_COMMANDS:
        return await usecases.simple(turn, command.name, command)
    if command.name == "my":
        return await usecases.my_applications(turn)
    if command.name == batch_usecases.TICKET:
        return await batch_usecases.own_tickets(turn, command)
    if command.name == cert_usecases.COMMAND:
        return await cert_usecases.query(turn, command)
    if command.name in attendance_usecases.COMMANDS and (await turn.user()).role in attendance_usecases.ROLES:
        return await attendance_usecases.route(turn, command)
    if command.name in room_record_usecases.PAPERS_COMMANDS and (await turn.user()).role in room_record_usecases.PROCTOR_ROLES:
        return await room_record_usecases.papers(turn, command)
    if command.name in room_record_usecases.RECORD_COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await room_record_usecases.record(turn, command)
    if command.name in incident_usecases.COMMANDS and (await turn.user()).role in INCIDENT_ROLES:
        return await incident_usecases.route(turn, command)
    if command.name in cert_admin_usecases.COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await cert_admin_usecases.route(turn, command)
    if command.name in deadline_usecases.COMMANDS and (await turn.user()).role in deadline_usecases.ROLES:
        return await deadline_usecases.route(turn, command)
    if command.name in cert_import_usecases.COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await cert_import_usecases.route(turn, command)
    if command.name in batch_usecases.COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await batch_usecases.route(turn, command)
    if command.name in announce_usecases.COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await announce_usecases.route(turn, command)
    if command.name in score_usecases.COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await score_usecases.route(turn, command)
    if (tools := await console_staff_tools.route_command(turn, command)) is not None:
        return tools
    if command.name in STAFF_COMMANDS and (await turn.user()).role in STAFF_ROLES:
        return await STAFF_COMMANDS[command.name](turn, command.args)
    return await usecases.user_input(turn, command)


async def route_button(turn: Turn, data: str) -> Outcome:
    """An inline button press: language and application buttons, review buttons for staff, the rest to the flow."""
    if data.startswith(LANG_PREFIX):
        return await usecases.choose_lang(turn, data)
    if data.startswith(APPLICATION_PREFIX + ":"):
        return await usecases.application_button(turn, data)
    if data.startswith(REVIEW_PREFIX + ":") and (await turn.user()).role in STAFF_ROLES:
        return await usecases.review(turn, data)
    if data.startswith(BATCH_PREFIX + ":") and (await turn.user()).role in STAFF_ROLES:
        return await batch_usecases.button(turn, data)
    if data == SHOW_BUTTON:
        return await batch_usecases.own_tickets(turn, ButtonPress(data))
    if data.startswith(attendance_usecases.PREFIX + ":") and (await turn.user()).role in attendance_usecases.ROLES:
        return await attendance_usecases.button(turn, data)
    if data.startswith(checklist_usecases.PREFIX + ":") and (await turn.user()).role in checklist_usecases.CHECKLIST_ROLES:
        return await checklist_usecases.button(turn, data)
    if data.startswith(room_record_usecases.PAPERS_PREFIX + ":") and (
        (await turn.user()).role in room_record_usecases.PROCTOR_ROLES
    ):
        return await room_record_usecases.papers_button(turn, data)
    if data.startswith(room_record_usecases.RECORD_PREFIX + ":") and (await turn.user()).role in STAFF_ROLES:
        return await room_record_usecases.record_button(turn, data)
    if data.startswith(incident_usecases.APPEAL_PREFIX) or (
        data.startswith(incident_usecases.PREFIX + ":") and (await turn.user()).role in INCIDENT_ROLES
    ):
        return await incident_usecases.button(turn, data)
    if data.startswith(cert_usecases.PREFIX + ":"):
        return await cert_usecases.button(turn, data)
    staff = (await turn.user()).role in STAFF_ROLES
    if data.startswith(cert_admin_usecases.PREFIX + ":") and staff:
        return await cert_admin_usecases.button(turn, data)
    if data.startswith(cert_import_usecases.PREFIX + ":") and staff:
        return await cert_import_usecases.button(turn, data)
    if data.startswith(deadline_usecases.DONE_PREFIX + ":") and staff:
        return await deadline_usecases.done_button(turn, data)
    if data.startswith(score_usecases.PREFIX + ":") and staff:
        return await score_usecases.button(turn, data)
    if (tools := await console_staff_tools.route_button(turn, data)) is not None:
        return tools
    return await usecases.user_input(turn, ButtonPress(data))


async def _review_command(turn: Turn, args: str) -> Outcome:
    return await usecases.review(turn)


StaffCommand = Callable[[Turn, str], Awaitable[Outcome]]
STAFF_COMMANDS: Mapping[str, StaffCommand] = MappingProxyType(
    {"invite": usecases.invite, "review": _review_command, "export_applications": usecases.export_applications}
)


class Console:
    """Reads lines from `stdin`, runs each through the shared use cases and prints the replies to `stdout`."""

    def __init__(
        self,
        app: App,
        stdin: TextIO,
        stdout: TextIO,
        user_id: int = 1,
        first_name: str | None = "Console",
        echo: bool | None = None,
    ) -> None:
        self.app = app
        self.stdin = stdin
        self.stdout = stdout
        self.actor = Actor(user_id, user_id, first_name, None)
        self.echo = (not _isatty(stdin)) if echo is None else echo
        self.view = ConsoleView(app.i18n, app.settings.data_dir / "console-files")
        self.locale = app.i18n.resolve(app.settings.default_locale)
        self.uploads = 0

    async def run(self, banner: bool = True) -> None:
        """Chat until `#quit` or end of input; no input line can end the loop by failing."""
        await self._load_locale()
        if banner:
            await self.print_banner()
        await self.show_notifications()
        while True:
            if not self.echo:
                self._write("> ", end="")
            line = self.stdin.readline()
            if not line:
                break
            if not await self.handle_line(line):
                break
        self._lines(self.view.notice(self.app.i18n.render(self.locale, "console.bye")))

    async def print_banner(self) -> None:
        """How to use the console, in the user's language."""
        role = await self._role()
        text = self.app.i18n.render(
            self.locale,
            "console.banner",
            {"user_id": self.actor.user_id, "role": self.app.i18n.render(self.locale, f"role.{role}")},
        )
        self._lines(self.view.notice(text))

    async def handle_line(self, line: str) -> bool:
        """Process one input line; False when the user asked to quit. Never raises on bad input."""
        text = line.rstrip("\r\n")
        if not text.strip():
            return True
        if self.echo:
            self._write(f"> {text}")
        try:
            if text.startswith(DIRECTIVE):
                return await self._directive(text[len(DIRECTIVE):])
            await self._send(lambda turn: route_text(turn, text))
        except Exception as exc:
            log.error("console input failed: %s at %s", type(exc).__name__, failure_site(exc))
            self._lines(self.view.notice(self.app.i18n.render(self.locale, "error.internal")))
        await self.show_notifications()
        return True

    async def _directive(self, body: str) -> bool:
        name, _, arg = body.strip().partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("quit", "exit"):
            return False
        if name == "help":
            await self.print_banner()
        elif name.isascii() and name.isdigit():
            await self._press(int(name))
        elif name == "contact":
            await self._contact(arg)
        elif name == "photo":
            await self._upload(self._photo())
        elif name == "file":
            await self._file(arg)
        else:
            self._notice("console.unknown_directive", directive=DIRECTIVE + name)
        return True

    async def _press(self, number: int) -> None:
        button = self.view.button(number)
        if button is None:
            count = len(self.view.buttons)
            if count:
                self._notice("console.no_such_button", number=number, count=count)
            else:
                self._notice("console.no_buttons")
            return
        await self._press_button(button)

    async def _press_button(self, button: ConsoleButton) -> None:
        if button.request_contact:
            self._notice("console.contact_usage")
        elif button.reply:
            text = button.text
            await self._send(lambda turn: route_text(turn, text))
        elif button.url:
            self._notice("console.open_url", url=button.url)
        else:
            data = button.callback_data or ""
            await self._send(lambda turn: route_button(turn, data))

    async def _contact(self, phone: str) -> None:
        if not phone:
            self._notice("console.contact_usage")
            return
        await self._upload(ContactShared(phone=phone, own=True))

    async def _file(self, name: str) -> None:
        if not name:
            self._notice("console.file_usage")
            return
        self.uploads += 1
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        event = FileInput("document", f"console-doc-{self.uploads}", f"console-doc-u{self.uploads}", 1024, mime, name)
        await self._upload(event)

    def _photo(self) -> FileInput:
        self.uploads += 1
        width, height = PHOTO_SIZE
        return FileInput(
            "photo", f"console-photo-{self.uploads}", f"console-photo-u{self.uploads}", 48_000, "image/jpeg", None, width, height
        )

    async def _upload(self, event: Event) -> None:
        await self._send(lambda turn: usecases.user_input(turn, event))

    async def _send(self, route: Route) -> None:
        """Run one route in its own update scope and print the replies after the commit."""
        async with update_scope(self.app, None, self.actor) as turn:
            assert turn is not None  # the console always has a user
            outcome = await route(turn)
        self.locale = outcome.locale
        self._lines(self.view.show(outcome.outgoing, outcome.locale))

    async def show_notifications(self) -> None:
        """Print the outbox notifications due for this user (reminders, notices to many) and mark them sent."""
        try:
            await show_due(self.app, self.actor.chat_id, self._print_notification)
        except Exception as exc:  # the chat goes on; the notifications stay in the outbox
            log.error("console notifications failed: %s at %s", type(exc).__name__, failure_site(exc))

    def _print_notification(self, out: Outgoing) -> None:
        self._notice("delivery.console_notification")
        self._lines(self.view.show([out], self.locale))

    async def _role(self) -> str:
        async with self.app.sessions() as session:
            user = await users.get(session, self.actor.user_id)
        return user.role if user is not None else CANDIDATE

    async def _load_locale(self) -> None:
        async with self.app.sessions() as session:
            user = await users.get(session, self.actor.user_id)
        if user is not None and user.locale:
            self.locale = self.app.i18n.resolve(user.locale)

    def _notice(self, key: str, **params: object) -> None:
        self._lines(self.view.notice(self.app.i18n.render(self.locale, key, params)))

    def _lines(self, lines: list[str]) -> None:
        for line in lines:
            self._write(line)

    def _write(self, text: str, end: str = "\n") -> None:
        self.stdout.write(_CONTROL.sub("\ufffd", text) + end)
        self.stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
