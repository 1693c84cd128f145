"""Use cases of batches and tickets, shared by every transport (staff commands are role-checked by the callers);
/assign is routed here too (assign_usecases), its buttons being the card's."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import attendance_usecases, batch_admin, batch_changes, batches, exam_day, reminders, ticket_files
from bot.services import assign_usecases
from bot.services import tickets as ticket_service
from bot.services import staff_deadlines
from bot.services.batch_admin import Done
from bot.services.turn import Outcome, Turn, with_facts
from bot.services.uploads import Fetch
from flows import batch_card as card_flow
from flows import batch_move, commands
from flows import ticket as ticket_flow
from flows.batch_card import Action
from flows.events import ButtonPress, Command, Event
from flows.engine import FlowResult
from flows.replies import Text
from flows.state import ConversationState
from flows.context import FlowContext
from storage.repositories import batches as batch_repo

BATCH = "batch"
LIST = "batches"
ASSIGN = assign_usecases.COMMAND
COMMANDS = (BATCH, LIST, ASSIGN)
TICKET = "ticket"


async def batch(turn: Turn, event: Command) -> Outcome:
    """/batch: start or resume the batch form."""
    return await turn.run(lambda st, ev, ctx: commands.open_form(BATCH, st, ctx), event, forms=(BATCH,))


async def list_batches(turn: Turn, event: Event) -> Outcome:
    """/batches (or the list button): recent batches."""
    rows = await batches.listing(turn.app, turn.session)
    return await turn.run(lambda st, ev, ctx: card_flow.listing(st, ctx, rows), event)


async def route(turn: Turn, event: Command) -> Outcome:
    """Dispatch one of COMMANDS."""
    if event.name == BATCH:
        return await batch(turn, event)
    if event.name == ASSIGN:
        return await assign_usecases.assign(turn, event)
    return await list_batches(turn, event)


async def _plan_reminders(turn: Turn, done: Done) -> None:
    """After the commit: plan reminders of issued tickets, drop those of voided ones; plan the exam-day jobs."""
    for ticket_id in done.cancel:
        await reminders.cancel_ticket(turn.app, ticket_id)
    for ticket_id in done.schedule:
        await reminders.schedule_ticket(turn.app, ticket_id)
    if done.batch_id:
        await exam_day.plan_batch(turn.app, done.batch_id)
        await staff_deadlines.refresh_batch(turn.app, done.batch_id)


async def _show(turn: Turn, batch_id: int, event: Event, notice: Text | None = None, view: str = "") -> Outcome:
    """The batch card, or the assignment view when the action came from there."""
    if view == card_flow.ASSIGN_VIEW:
        return await assign_usecases.show(turn, batch_id, event, notice)
    card = await batches.card(turn.app, turn.session, batch_id)
    return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, card, notice), event)


async def _mutate(turn: Turn, action: Action, event: Event, now: datetime) -> Outcome:
    """Run a changing action, commit, plan reminders, then show where the staff member continues (same view)."""
    app, session, actor = turn.app, turn.session, (await turn.user()).id
    kind, ids = action.kind, action.ids
    if kind in (card_flow.CHIEF, card_flow.DEPUTY):
        slot = "chief" if kind == card_flow.CHIEF else "deputy"
        result = await batch_admin.set_proctor(app, session, actor, ids[0], ids[1], slot)
    elif kind == card_flow.SUPERVISOR_SET:
        result = await batch_admin.set_supervisor(app, session, actor, ids[0], ids[1])
    elif kind == card_flow.ASSESSOR_TOGGLE:
        result = await batch_admin.toggle_assessor(app, session, actor, ids[0], ids[1])
    elif kind == card_flow.SEAT:
        result = await batch_admin.seat(app, session, actor, ids[0])
    else:
        result = await batch_admin.issue(app, session, actor, ids[0], now, everyone=kind == card_flow.REISSUE_OK)
    if isinstance(result, Text):
        await session.rollback()
        refusal = result
        return await turn.run(lambda st, ev, ctx: card_flow.refuse(st, ctx, refusal.key, **refusal.params), event)
    await session.commit()
    await _plan_reminders(turn, result)
    if kind == card_flow.CHIEF:
        return await _pick(turn, Action(card_flow.ROOM, (ids[0],), action.view), event, result.notice, deputy=True)
    if kind == card_flow.ASSESSOR_TOGGLE:
        return await _pick(turn, Action(card_flow.ASSESSORS, (ids[0],), action.view), event, result.notice)
    return await _show(turn, result.batch_id or 0, event, result.notice, action.view)


async def _pick(turn: Turn, action: Action, event: Event, notice: Text | None = None, deputy: bool = False) -> Outcome:
    """A person picker: proctors for a room (chief, then deputy), assessors (toggle) or the supervisor."""
    session = turn.session
    if action.kind == card_flow.ROOM:
        found = await batch_repo.room(turn.session, action.ids[0])
        if found is None:
            return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, None), event)
        room, exam_session = found
        people = await batches.candidates_of_role(session, "proctor")
        slot = card_flow.DEPUTY if deputy else card_flow.CHIEF
        chosen = tuple(i for i in ((room.deputy_id,) if deputy else (room.chief_id,)) if i)
        prompt, params = ("batch.pick_deputy" if deputy else "batch.pick_chief"), {"room": room.name, "role_key": "role.proctor"}
        owner, back = room.id or 0, exam_session.batch_id
    elif action.kind == card_flow.ASSESSORS:
        batch = await batch_repo.get(turn.session, action.ids[0])
        if batch is None:
            return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, None), event)
        people = await batches.candidates_of_role(session, "assessor")
        slot, chosen, owner, back = card_flow.ASSESSOR_TOGGLE, tuple(batch.assessor_ids), action.ids[0], action.ids[0]
        prompt, params = "batch.pick_assessors", {"role_key": "role.assessor"}
    else:
        batch = await batch_repo.get(turn.session, action.ids[0])
        if batch is None:
            return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, None), event)
        people = await batches.candidates_of_role(session, "supervisor")
        slot, owner, back = card_flow.SUPERVISOR_SET, action.ids[0], action.ids[0]
        chosen = (batch.supervisor_id,) if batch.supervisor_id else ()
        prompt, params = "batch.pick_supervisor", {"role_key": "role.supervisor"}

    def step(st: ConversationState, ev: Event, ctx: FlowContext) -> FlowResult:
        result = card_flow.pick_person(st, ctx, prompt, params, people, slot, owner, back, chosen, action.view)
        return FlowResult(result.state, ([notice] if notice else []) + result.replies)

    return await turn.run(step, event)


async def button(turn: Turn, data: str) -> Outcome:
    """A `bt:` button of the batch list or card, or of the assignment view (/assign)."""
    event = ButtonPress(data)
    action = card_flow.parse(data)
    now = turn.now or datetime.now(timezone.utc)
    if action is None:
        return await turn.run(lambda st, ev, ctx: card_flow.refuse(st, ctx, "hint.stale_button"), event)
    if action.kind == card_flow.LIST:
        if action.view == card_flow.ASSIGN_VIEW:
            return await assign_usecases.listing(turn, event)
        return await list_batches(turn, event)
    if action.kind == card_flow.SHOW:
        return await _show(turn, action.ids[0], event, view=action.view)
    if action.kind in (card_flow.ISSUE, card_flow.REISSUE):
        found = await batches.card(turn.app, turn.session, action.ids[0])
        everyone = action.kind == card_flow.REISSUE
        if found is None:
            return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, None), event)
        return await turn.run(lambda st, ev, ctx: card_flow.confirm(st, ctx, found, everyone), event)
    if action.kind in (card_flow.ROOM, card_flow.ASSESSORS, card_flow.SUPERVISOR):
        return await _pick(turn, action, event)
    if action.kind == card_flow.MOVE:
        session_id = action.ids[0]
        facts = await batch_changes.move_facts(turn.app, turn.session, session_id, now)
        if "session" not in facts:
            return await turn.run(lambda st, ev, ctx: card_flow.show(st, ctx, None), event)
        step = with_facts(batch_move.NAME, facts, lambda st, ev, ctx: batch_move.start(st, ctx, session_id))
        return await turn.run(step, event)
    return await _mutate(turn, action, event, now)


async def own_tickets(turn: Turn, event: Event, fetch: Fetch | None = None) -> Outcome:
    """/ticket or the "show ticket" button: each issued ticket as PNG and PDF."""
    user = await turn.user()
    locale = turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)
    views = await ticket_service.own_tickets(turn.app, turn.session, user.id, locale)
    rendered = await ticket_files.render(turn.app, views, fetch)
    return await turn.run(lambda st, ev, ctx: ticket_flow.own(st, ctx, rendered), event)


async def scan(turn: Turn, token: str, event: Event) -> Outcome:
    """A scanned ticket QR (`/start tk_…`): validity, and identity-check details for examiners and staff; during
    the sitting, the five-point check card for the room's proctors, the supervisor and staff (attendance_usecases)."""
    user = await turn.user()
    facts = await ticket_service.scan(turn.app, turn.session, token, user.id, ticket_flow.may_inspect(user.role))
    await turn.session.commit()
    return await attendance_usecases.scanned(turn, token, facts, event)
