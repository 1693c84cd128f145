"""Use cases of staff deadlines, shared by every transport: `/deadlines [batch]`, `/done <batch> <rule>` and its
buttons, `/holidays` with the holiday-arrangement file sent next (checked, then stored on confirmation). Callers check
the role (staff and admins)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bot.services import staff_deadlines
from bot.services.cert_import_download import bot_api_fetch
from bot.services.turn import Outcome, Turn
from bot.services.uploads import Fetch
from bot.services.work_calendar_import import import_calendar, report_lines, summary
from flows import staff_deadlines as flow
from flows.events import ButtonPress, Command, Event, FileInput
from flows.menu import STAFF_ROLES
from flows.state import ConversationState
from storage.repositories import conversations

log = logging.getLogger(__name__)

ROLES = STAFF_ROLES
COMMANDS = (flow.DEADLINES_COMMAND, flow.DONE_COMMAND, flow.HOLIDAYS_COMMAND)
DONE_PREFIX = flow.DONE_PREFIX
HOLIDAY_PREFIX = flow.HOLIDAY_PREFIX
MAX_DOWNLOAD_MB = 20
HOLIDAY_SUFFIXES = (".xlsx", ".csv")


def _now(turn: Turn) -> datetime:
    return turn.now or datetime.now(timezone.utc)


async def route(turn: Turn, command: Command) -> Outcome:
    """Dispatch one of COMMANDS."""
    if command.name == flow.DONE_COMMAND:
        return await done(turn, command)
    if command.name == flow.HOLIDAYS_COMMAND:
        return await turn.run(lambda st, ev, ctx: flow.ask_holidays(st, ctx), command)
    return await deadlines(turn, command)


async def deadlines(turn: Turn, command: Command) -> Outcome:
    """/deadlines [batch id]: open deadlines of every batch, or all of one batch (re-derived first)."""
    batch_id = flow.parse_batch(command.args)
    if batch_id is False:
        return await turn.run(lambda st, ev, ctx: flow.usage(st, ctx, "staff_deadlines.usage_deadlines"), command)
    chosen = batch_id if isinstance(batch_id, int) and not isinstance(batch_id, bool) else None
    if chosen is not None:
        await turn.session.commit()  # the refresh writes in its own session (SQLite: one writer at a time)
        await staff_deadlines.refresh_batch(turn.app, chosen, _now(turn))
    groups = await staff_deadlines.listing(turn.app, turn.session, chosen, _now(turn))
    return await turn.run(lambda st, ev, ctx: flow.listing(st, ctx, groups, chosen), command)


async def done(turn: Turn, command: Command) -> Outcome:
    """/done <batch id> <rule>."""
    target = flow.parse_done(command.args)
    if target is None:
        return await turn.run(lambda st, ev, ctx: flow.usage(st, ctx, "staff_deadlines.usage_done"), command)
    return await _mark(turn, target[0], target[1], command)


async def done_button(turn: Turn, data: str) -> Outcome:
    """A `dd:<batch>:<rule>` button of the list or of a reminder."""
    event = ButtonPress(data)
    target = flow.parse_done_button(data)
    if target is None:
        return await turn.run(lambda st, ev, ctx: flow.usage(st, ctx, "hint.stale_button"), event)
    return await _mark(turn, target[0], target[1], event)


async def _mark(turn: Turn, batch_id: int, rule: str, event: Event) -> Outcome:
    """Mark done (audited), commit, then drop its reminder and escalation jobs."""
    user = await turn.user()
    result = await staff_deadlines.mark_done(turn.app, turn.session, user.id, batch_id, rule, _now(turn))
    if result is None:
        await turn.session.rollback()
        return await turn.run(lambda st, ev, ctx: flow.marked(st, ctx, None, False, isinstance(ev, ButtonPress)), event)
    await turn.session.commit()
    stored_rule = str(result.params["rule"])
    turn.after_commit(lambda: _stop(turn, batch_id, stored_rule))
    return await turn.run(lambda st, ev, ctx: flow.marked(st, ctx, result.params, result.already, isinstance(ev, ButtonPress)), event)


async def _stop(turn: Turn, batch_id: int, rule: str) -> None:
    await staff_deadlines.stop_jobs(turn.app, batch_id, rule)


async def _refresh_provisional(turn: Turn) -> None:
    """A new holiday year may firm up provisional dates: re-derive the batches that have some."""
    await staff_deadlines.refresh_provisional(turn.app, _now(turn))


# -- holiday file ---------------------------------------------------------------------------------------------------


async def _state(turn: Turn) -> ConversationState:
    data_enc, version = await conversations.load(turn.session, (await turn.user()).id)
    if not data_enc:
        return ConversationState(version=version)
    return ConversationState.from_json(json.loads(turn.app.cipher.decrypt(data_enc) or "{}"), version)


async def wants(turn: Turn, event: FileInput) -> bool:
    """True when a staff member sends a document after /holidays asked for it (within the waiting time)."""
    if event.kind != "document" or (await turn.user()).role not in ROLES:
        return False
    return flow.waiting_file(await _state(turn), _now(turn))


async def _download(fetch: Fetch | None, file_id: str) -> bytes | None:
    if fetch is None:
        return None
    try:
        return await fetch(file_id)
    except Exception as exc:  # reported as a failed download
        log.warning("holiday file download failed: %s", type(exc).__name__)
        return None


async def _locale(turn: Turn) -> str:
    user = await turn.user()
    return turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)


async def offer(turn: Turn, event: FileInput, fetch: Fetch | None) -> Outcome:
    """Check the holiday file (dry run): one line per row and a summary; import / drop buttons when storable."""
    if event.size is not None and event.size > MAX_DOWNLOAD_MB * 1024 * 1024:
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "no_download"), event)
    data = await _download(fetch, event.file_id)
    if data is None:
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "no_download"), event)
    user = await turn.user()
    report = await import_calendar(turn.app, turn.session, data, user.id, dry_run=True, source="chat")
    lines = report_lines(turn.app.i18n, await _locale(turn), report)
    storable = not report.failed and report.outcome in ("created", "replaced")
    upload = {"file_id": event.file_id, "file_name": event.file_name or "", "sha256": report.sha256, "year": report.year}
    return await turn.run(lambda st, ev, ctx: flow.holidays_checked(st, ctx, lines, storable, upload), event)


async def holiday_button(turn: Turn, data: str, fetch: Fetch | None = None) -> Outcome:
    """An `hd:` button: store the checked file (downloaded again, must be the same content) or drop it."""
    event = ButtonPress(data)
    upload = flow.pending_holidays(await _state(turn))
    if upload is None or data not in (flow.HOLIDAY_IMPORT, flow.HOLIDAY_DROP):
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "stale"), event)
    if data == flow.HOLIDAY_DROP:
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "dropped"), event)
    content = await _download(fetch or bot_api_fetch(turn.app.settings), str(upload["file_id"]))
    if content is None:
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "no_download"), event)
    user = await turn.user()
    year = upload.get("year")
    report = await import_calendar(
        turn.app, turn.session, content, user.id, year=int(year) if year else None, dry_run=False, source="chat"
    )
    text = summary(turn.app.i18n, await _locale(turn), report)
    if report.sha256 != upload.get("sha256") or report.failed:
        await turn.session.rollback()
        return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "changed", text), event)
    await turn.session.commit()
    turn.after_commit(lambda: _refresh_provisional(turn))
    log.info("holiday arrangement stored for year %s (%s)", report.year, report.outcome)
    return await turn.run(lambda st, ev, ctx: flow.holidays_done(st, ctx, "stored", text), event)
