"""Staff import certificate rosters (花名册 xlsx/CSV sent in chat) and export the roster back."""

from __future__ import annotations

import json
import logging

from sqlalchemy.exc import IntegrityError

from bot.services import cert_roster_export, cert_roster_import
from bot.services.cert_import_download import bot_api_fetch
from bot.services.cert_roster_import import RosterReport
from bot.services.turn import Outcome, Turn
from bot.services.uploads import Fetch
from flows import cert_import as flow
from flows.events import ButtonPress, Command, FileInput
from flows.menu import STAFF_ROLES
from flows.state import ConversationState
from storage.repositories import catalog, conversations

log = logging.getLogger(__name__)

COMMANDS = ("export_certificates",)
PREFIX = "ci"  # callback-data namespace of the import confirmation
MAX_DOWNLOAD_MB = 20  # the Bot API lets bots download files up to 20 MB
ROSTER_SUFFIXES = (".xlsx", ".csv")
ROSTER_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "application/csv",
    "text/comma-separated-values",
)


async def route(turn: Turn, command: Command) -> Outcome:
    """/export_certificates: the roster as xlsx."""
    code = flow.parse_institution(command.args)
    institution = await catalog.institution_by_code(turn.session, code) if code else None
    if code and institution is None:
        return await turn.run(lambda st, ev, ctx: flow.export_unknown(st, ctx, code), command)
    user = await turn.user()
    locale = turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)
    roster = await cert_roster_export.export_roster(turn.app, turn.session, locale, user.id, institution)
    name = institution.name if institution is not None else ""
    if roster.rows == 0:
        await turn.session.rollback()  # nothing was exported: nothing to audit
        return await turn.run(lambda st, ev, ctx: flow.export_empty(st, ctx, name), command)
    await turn.session.commit()  # the export is audited before the workbook leaves
    return await turn.run(lambda st, ev, ctx: flow.exported(st, ctx, roster.content, roster.filename, roster.rows, name), command)


def looks_like_roster(event: FileInput) -> bool:
    """An xlsx or CSV document, by file name or MIME type."""
    name = (event.file_name or "").lower()
    return event.kind == "document" and (name.endswith(ROSTER_SUFFIXES) or (event.mime_type or "") in ROSTER_TYPES)


async def _state(turn: Turn) -> ConversationState:
    """The stored conversation state of the actor (read only)."""
    data_enc, version = await conversations.load(turn.session, (await turn.user()).id)
    if not data_enc:
        return ConversationState(version=version)
    return ConversationState.from_json(json.loads(turn.app.cipher.decrypt(data_enc) or "{}"), version)


async def wants(turn: Turn, event: FileInput) -> bool:
    """True when this upload is a roster a staff member sends outside any form (xlsx or CSV)."""
    if not looks_like_roster(event) or (await turn.user()).role not in STAFF_ROLES:
        return False
    return (await _state(turn)).active is None


async def _download(fetch: Fetch | None, file_id: str) -> bytes | None:
    if fetch is None:
        return None
    try:
        return await fetch(file_id)
    except Exception as exc:  # reported to the staff member as a failed download
        log.warning("roster download failed: %s", type(exc).__name__)
        return None


def _view(report: RosterReport, file_name: str) -> flow.ReportView:
    problems = tuple((p.row, cert_roster_import.problem_key(p), p.params) for p in report.problems[: flow.SHOWN])
    return flow.ReportView(file_name, report.rows, report.created, report.unchanged, report.problem_count, problems)


async def offer(turn: Turn, event: FileInput, fetch: Fetch | None) -> Outcome:
    """Validate an uploaded roster (dry run) and offer to import it."""
    if event.size is not None and event.size > MAX_DOWNLOAD_MB * 1024 * 1024:
        return await turn.run(lambda st, ev, ctx: flow.too_large(st, ctx, MAX_DOWNLOAD_MB), event)
    data = await _download(fetch, event.file_id)
    if data is None:
        return await turn.run(lambda st, ev, ctx: flow.no_download(st, ctx), event)
    user = await turn.user()
    today = cert_roster_import.local_today(turn.app)
    report = await cert_roster_import.check_roster(turn.app, turn.session, data, today, write=False, actor_id=user.id)
    log.info("roster checked: %d row(s), %d new, %d problem(s)", report.rows, report.created, report.problem_count)
    view = _view(report, event.file_name or "")
    upload = {"file_id": event.file_id, "file_name": event.file_name or "", "sha256": report.sha256}
    return await turn.run(lambda st, ev, ctx: flow.checked(st, ctx, view, upload), event)


async def button(turn: Turn, data: str, fetch: Fetch | None = None) -> Outcome:
    """A `ci:` button (confirm or drop the pending import); without `fetch` the file is fetched from the Bot API."""
    event = ButtonPress(data)
    upload = flow.pending(await _state(turn))
    if data == flow.DROP and upload is not None:
        return await turn.run(lambda st, ev, ctx: flow.dropped(st, ctx), event)
    if data != flow.IMPORT or upload is None:
        return await turn.run(lambda st, ev, ctx: flow.stale(st, ctx), event)
    content = await _download(fetch or bot_api_fetch(turn.app.settings), str(upload["file_id"]))
    if content is None:
        return await turn.run(lambda st, ev, ctx: flow.no_download(st, ctx), event)
    user = await turn.user()
    today = cert_roster_import.local_today(turn.app)
    try:
        report = await cert_roster_import.check_roster(turn.app, turn.session, content, today, write=True, actor_id=user.id)
        same = report.sha256 == upload.get("sha256")
        if report.written and same:
            await turn.session.commit()
    except IntegrityError:  # another import stored some of these numbers meanwhile
        await turn.session.rollback()
        report, same = RosterReport(problem_count=0), False
    view = _view(report, str(upload.get("file_name") or ""))
    if not (report.written and same):
        await turn.session.rollback()
        return await turn.run(lambda st, ev, ctx: flow.changed(st, ctx, view), event)
    log.info("roster imported: %d created, %d unchanged", report.created, report.unchanged)
    return await turn.run(lambda st, ev, ctx: flow.imported(st, ctx, view), event)
