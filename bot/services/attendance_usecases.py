"""Use cases of the exam-day attendance, shared by every transport: the five-point check card after a ticket QR scan,
/check by ticket number, /attendance and the `fp:` buttons. Routers gate them to proctors, supervisors and staff; each
press is checked again against the seat's room and sitting (bot.services.attendance).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from bot.services import attendance
from bot.services import tickets as ticket_service
from bot.services.turn import Outcome, Turn
from bot.tickets import tokens
from flows import attendance as flow
from flows import ticket as ticket_flow
from flows.events import ButtonPress, Command, Event
from flows.menu import STAFF_ROLES
from storage.models import ExamBatch, ExamSession

COMMANDS = flow.COMMANDS
PREFIX = flow.PREFIX
ROLES = flow.ROLES
_STATUS_OF = {flow.OK: attendance.CHECKED, flow.BAD: attendance.MISMATCH, flow.ABSENT: attendance.ABSENT}


def _now(turn: Turn) -> datetime:
    return turn.now or datetime.now(timezone.utc)


MAX_ID_DIGITS = 18  # a longer number is no sitting id (and would overflow a 64-bit column)


async def scanned(turn: Turn, token: str, facts: dict[str, object], event: Event) -> Outcome:
    """A scanned ticket whose details are loaded: during its sitting, the check card for whoever may record it."""
    if facts.get("valid") and "number" in facts:
        ref = tokens.verify(turn.app.cipher, token)
        user = await turn.user()
        place = await attendance.place_now(turn.session, ref.ticket_id, _now(turn)) if ref is not None else None
        if place is not None and attendance.may_record(user.id, user.role, place.room, place.batch):
            sitting = await attendance.card_facts(turn.app, turn.session, place)
            return await turn.run(lambda st, ev, ctx: flow.card(st, ctx, dict(facts), sitting), event)
    return await turn.run(lambda st, ev, ctx: ticket_flow.scanned(st, ctx, dict(facts)), event)


async def route(turn: Turn, command: Command) -> Outcome:
    """Dispatch one of COMMANDS."""
    if command.name == flow.CHECK:
        return await check(turn, command)
    return await overview(turn, command)


async def _refuse(turn: Turn, event: Event, key: str, **params: object) -> Outcome:
    return await turn.run(lambda st, ev, ctx: flow.refuse(st, ctx, key, **params), event)


async def check(turn: Turn, command: Command) -> Outcome:
    """/check NUMBER: the five-point check card by typed ticket number (a proctor only for their current room)."""
    app, session = turn.app, turn.session
    number = attendance.normalize_number(command.args)
    if not number:
        return await _refuse(turn, command, "attendance.check_usage")
    if not attendance.looks_like_number(number):
        return await _refuse(turn, command, "attendance.bad_number", number=number[:32])
    user, now = await turn.user(), _now(turn)
    staff = user.role in STAFF_ROLES
    if not staff and not await attendance.rooms_of_sittings(session, user, await attendance.sittings_in_progress(session, now)):
        return await _refuse(turn, command, "attendance.no_sitting")
    ticket = await attendance.find_ticket(session, number)
    if ticket is None:
        return await _refuse(turn, command, "attendance.unknown_number", number=number)
    place = await attendance.place_now(session, ticket.id or 0, now)
    allowed = place is not None and attendance.may_record(user.id, user.role, place.room, place.batch)
    if not staff and not allowed:
        return await _refuse(turn, command, "attendance.not_your_room", number=number)
    token = tokens.make(app.cipher, ticket.id or 0, ticket.token_version)
    facts = await ticket_service.scan(app, session, token, user.id, True)  # validity, details, audited like a scan
    await session.commit()
    if allowed and place is not None and facts.get("valid"):
        sitting = await attendance.card_facts(app, session, place)
        return await turn.run(lambda st, ev, ctx: flow.card(st, ctx, facts, sitting), command)
    return await turn.run(lambda st, ev, ctx: ticket_flow.scanned(st, ctx, facts), command)


async def _chosen(turn: Turn, args: str, now: datetime) -> list[tuple[ExamSession, ExamBatch]] | None:
    """The sittings /attendance looks at: a sitting id or a date (staff and supervisors), else those in progress
    (staff and supervisors: else today's). None for an argument that is neither."""
    session, user = turn.session, await turn.user()
    wide = user.role in STAFF_ROLES or user.role == "supervisor"
    if args and wide:
        if args.isascii() and args.isdigit():
            return await attendance.sitting(session, int(args)) if len(args) <= MAX_ID_DIGITS else []
        try:
            day = date.fromisoformat(args)
        except ValueError:
            return None
        return await attendance.sittings_on(turn.app, session, day)
    chosen = await attendance.sittings_in_progress(session, now)
    if not chosen and wide:
        chosen = await attendance.sittings_on(turn.app, session, now.astimezone(turn.app.tz).date())
    return chosen


async def overview(turn: Turn, command: Command) -> Outcome:
    """/attendance [SITTING_ID | YYYY-MM-DD]: a proctor's current rooms in full; for staff and supervisors the rooms
    of the sittings in progress (else today's, or the ones named) with counts and a button per room."""
    user, now = await turn.user(), _now(turn)
    chosen = await _chosen(turn, attendance.normalize_number(command.args), now)
    if chosen is None:
        return await _refuse(turn, command, "attendance.overview_usage")
    rooms = await attendance.rooms_of_sittings(turn.session, user, chosen)
    summaries = [await attendance.room_summary(turn.app, turn.session, r, s, b) for r, s, b in rooms]
    full = user.role not in STAFF_ROLES and user.role != "supervisor"
    return await turn.run(lambda st, ev, ctx: flow.overview(st, ctx, summaries, full), command)


async def button(turn: Turn, raw: str) -> Outcome:
    """An `fp:` button: ✅ / ⚠️ on the check card, absent (one or all) on the T+30 list, a room of /attendance."""
    event = ButtonPress(raw)
    action = flow.parse(raw)
    if action is None:
        return await _refuse(turn, event, "hint.stale_button")
    app, session = turn.app, turn.session
    user, now = await turn.user(), _now(turn)
    if action.kind == flow.ROOM:
        found = await attendance.room_with_context(session, action.target)
        if found is None or not attendance.may_record(user.id, user.role, found[0], found[2]):
            return await turn.run(lambda st, ev, ctx: flow.pressed(st, ctx, flow.Press(flow.DENIED)), event)
        summary = await attendance.room_summary(app, session, *found)
        return await turn.run(lambda st, ev, ctx: flow.room_roster(st, ctx, summary), event)
    if action.kind == flow.ABSENT_ALL:
        press = await attendance.absent_all(app, session, user, action.target, now)
        await session.commit()
        return await turn.run(lambda st, ev, ctx: flow.absent_all_done(st, ctx, press), event)
    press = await attendance.record(app, session, user, action.target, _STATUS_OF[action.kind], now)
    await session.commit()
    return await turn.run(lambda st, ev, ctx: flow.pressed(st, ctx, press), event)
