"""Use cases of /scores (template, uploads, confirmation), /publish and /issue, shared by every transport."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timezone

from sqlalchemy.exc import IntegrityError

from bot.rules.seating import SUBJECTS
from bot.services import issue_certs, publish as publish_service, scores, staff_deadlines
from bot.services.cert_import_usecases import MAX_DOWNLOAD_MB, looks_like_roster
from bot.services.score_sheet import TemplateRow, build_template, read_sheet
from bot.services.turn import Outcome, Turn
from bot.services.uploads import Fetch
from flows import publish as publish_flow
from flows import scores as flow
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, Event, FileInput
from flows.menu import STAFF_ROLES
from flows.state import ConversationState
from storage.repositories import conversations

log = logging.getLogger(__name__)

SCORES, PUBLISH, ISSUE = "scores", "publish", "issue"
COMMANDS = (SCORES, PUBLISH, ISSUE)
PREFIX = flow.PREFIX
SHORT_WORDS = {"理论": "theory", "实操": "practical", "综合": "comprehensive"}


def local_today(turn: Turn) -> date:
    """Today in the configured time zone."""
    return (turn.now or datetime.now(timezone.utc)).astimezone(turn.app.tz).date()


async def _state(turn: Turn) -> ConversationState:
    data_enc, version = await conversations.load(turn.session, (await turn.user()).id)
    if not data_enc:
        return ConversationState(version=version)
    return ConversationState.from_json(json.loads(turn.app.cipher.decrypt(data_enc) or "{}"), version)


def _refresh(turn: Turn, batch_id: int) -> None:
    """Re-derive the batch's staff deadlines once the turn has committed."""

    async def refresh() -> None:
        await staff_deadlines.refresh_batch(turn.app, batch_id)

    turn.after_commit(refresh)


async def route(turn: Turn, command: Command) -> Outcome:
    """/scores ID [restart], /publish ID, /issue ID DATE (callers check the staff role)."""
    if command.name == PUBLISH:
        return await _publish(turn, command)
    if command.name == ISSUE:
        return await _issue(turn, command)
    batch_id, rest = flow.parse_batch(command.args)
    if batch_id is None or rest not in ("", flow.RESTART):
        return await turn.run(lambda st, ev, ctx: flow.usage(st, ctx), command)
    if rest == flow.RESTART:
        status = await scores.restart(turn.session, batch_id, (await turn.user()).id)
        await turn.session.commit()
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, f"scores.restart_{status}", {"id": batch_id}), command)
    found = await scores.roster(turn.session, batch_id)
    if found is None:
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "scores.no_batch", {"id": batch_id}), command)
    if not found.candidates:
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "scores.no_tickets", {"id": batch_id}), command)
    locale = turn.app.i18n.resolve((await turn.user()).locale or turn.app.settings.default_locale)
    render = turn.app.i18n.render
    headers = {"ticket": render(locale, "scores.col_ticket"), "name": render(locale, "scores.col_name"),
               **{s: render(locale, f"subject.{s}") for s in found.subjects}}
    rows = [TemplateRow(c.number, c.name, c.subjects) for c in found.candidates]
    content = build_template(rows, found.subjects, headers, render(locale, "scores.sheet_title"))
    name, count = found.batch.name, len(rows)
    return await turn.run(lambda st, ev, ctx: flow.template(st, ctx, batch_id, name, content, count), command)


def subject_words(turn: Turn) -> dict[str, str]:
    """Header texts naming a subject in any locale (and the subject keys), folded."""
    words = {s: s for s in SUBJECTS} | dict(SHORT_WORDS)
    for locale in turn.app.i18n.locales:
        words.update({turn.app.i18n.render(locale, f"subject.{s}").casefold(): s for s in SUBJECTS})
    return {k.casefold(): v for k, v in words.items()}


async def wants(turn: Turn, event: FileInput) -> bool:
    """True when a staff member who asked for a score template sends a spreadsheet (checked before roster imports)."""
    if not looks_like_roster(event) or (await turn.user()).role not in STAFF_ROLES:
        return False
    return flow.awaiting(await _state(turn)) is not None


async def upload(turn: Turn, event: FileInput, fetch: Fetch | None) -> Outcome:
    """A filled score sheet: checked per row, stored as round 1 or 2 (audited), round 2 compared with round 1."""
    pending = flow.awaiting(await _state(turn))
    assert pending is not None
    batch_id = int(pending["batch_id"])
    if event.size is not None and event.size > MAX_DOWNLOAD_MB * 1024 * 1024:
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "cert_import.too_large", {"limit": MAX_DOWNLOAD_MB}), event)
    content: bytes | None = None
    if fetch is not None:
        try:
            content = await fetch(event.file_id)
        except Exception as exc:  # reported to the staff member as a failed download
            log.warning("score sheet download failed: %s", type(exc).__name__)
    if content is None:
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "cert_import.no_download"), event)
    user = await turn.user()
    result = await scores.upload(turn.session, batch_id, user.id, content, read_sheet(content, subject_words(turn)))
    log.info("score sheet: %s, round %d, %d entered, %d problem(s)", result.status, result.round, result.entered,
             len(result.problems))
    report = flow.Report(
        result.status, batch_id, event.file_name or "", result.round, result.entered, result.absent, result.missing,
        tuple((p.row, p.key, p.params) for p in result.problems),
        tuple((d.ticket, d.subject, d.first, d.second) for d in result.diffs), result.confirmable,
    )
    sha = result.sha256
    if result.status in ("round1", "round2"):
        await turn.session.commit()
    else:
        await turn.session.rollback()

    def step(st: ConversationState, ev: Event, ctx: FlowContext) -> FlowResult:
        out = flow.checked(st, ctx, report)
        return FlowResult(flow.with_pending(out.state, batch_id, sha), out.replies) if report.confirmable else out

    return await turn.run(step, event)


async def button(turn: Turn, data: str) -> Outcome:
    """An `sc:` button: confirm a clean round 2, issue certificates, or drop."""
    event = ButtonPress(data)
    if data == flow.DROP:
        return await turn.run(lambda st, ev, ctx: flow.dropped(st, ctx), event)
    target = flow.issue_target(data)
    if target is not None:
        return await _do_issue(turn, event, *target)
    batch_id = flow.confirm_target(data)
    pending = flow.awaiting(await _state(turn))
    if batch_id is None or pending is None or int(pending["batch_id"]) != batch_id or not pending.get("sha256"):
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "scores.confirm_stale", {"batch": batch_id}), event)
    try:
        status, count = await scores.confirm(turn.session, batch_id, (await turn.user()).id, str(pending["sha256"]))
        if status == "ok":
            await turn.session.commit()
    except IntegrityError:  # confirmed by someone else at the same moment
        status, count = "confirmed", 0
    if status != "ok":
        await turn.session.rollback()
    return await turn.run(lambda st, ev, ctx: flow.confirmed(st, ctx, status, count, batch_id), event)


async def _publish(turn: Turn, command: Command) -> Outcome:
    batch_id, rest = flow.parse_batch(command.args)
    if batch_id is None or rest:
        return await turn.run(lambda st, ev, ctx: publish_flow.usage(st, ctx), command)
    result = await publish_service.publish(turn.app, turn.session, batch_id, (await turn.user()).id, local_today(turn))
    if result.status == "ok":
        await turn.session.commit()
        _refresh(turn, batch_id)
    else:
        await turn.session.rollback()
    r = result
    return await turn.run(lambda st, ev, ctx: publish_flow.outcome(
        st, ctx, r.status, batch_id, r.batch, r.start, r.end, r.notified, r.passed, r.missing), command)


def _plan_refusal(planned: issue_certs.IssuePlan, batch_id: int) -> tuple[str, dict[str, object]]:
    return f"scores.issue_{planned.status}", {"id": batch_id, "batch": planned.batch,
                                             "until": planned.until.isoformat() if planned.until else ""}


async def _issue(turn: Turn, command: Command) -> Outcome:
    parsed = flow.parse_issue(command.args)
    if parsed is None:
        return await turn.run(lambda st, ev, ctx: flow.usage(st, ctx, "scores.issue_usage"), command)
    batch_id, day = parsed
    planned = await issue_certs.plan(turn.app, turn.session, batch_id, day, local_today(turn))
    await turn.session.rollback()
    if planned.status != "ok":
        key, params = _plan_refusal(planned, batch_id)
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, key, params), command)
    first = issue_certs.first_number(planned, day)
    return await turn.run(lambda st, ev, ctx: flow.issue_offer(
        st, ctx, batch_id, planned.batch, day, len(planned.candidates), planned.already, first), command)


async def _do_issue(turn: Turn, event: ButtonPress, batch_id: int, day: date) -> Outcome:
    user = await turn.user()
    try:
        result = await issue_certs.issue(turn.app, turn.session, batch_id, day, local_today(turn), user.id)
        if result.plan.status == "ok":
            await turn.session.commit()
    except IntegrityError:  # a number was registered by someone else meanwhile
        await turn.session.rollback()
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, "scores.issue_conflict"), event)
    if result.plan.status != "ok":
        await turn.session.rollback()
        key, params = _plan_refusal(result.plan, batch_id)
        return await turn.run(lambda st, ev, ctx: flow.refused(st, ctx, key, params), event)
    if result.numbers:
        _refresh(turn, batch_id)
    numbers, refused, name = [n for _, n in result.numbers], dict(result.refused), result.plan.batch
    return await turn.run(lambda st, ev, ctx: flow.issued(st, ctx, name, numbers, refused), event)
