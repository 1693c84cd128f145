"""Use cases of /assign, shared by every transport (staff only; callers check the role): the unfinished batches that
still need examiners or seats, and one batch's assignment view. The view's buttons are the batch card's `bt:` actions
marked with the assignment view; batch_usecases.button runs them and comes back here."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import batches
from bot.services.reminders import as_utc
from bot.services.turn import Outcome, Turn
from flows import assign as flow
from flows.events import Command, Event
from flows.replies import Text
from storage.repositories import batches as batch_repo

COMMAND = flow.COMMAND


async def assign(turn: Turn, command: Command) -> Outcome:
    """/assign: the batches needing assignment work; /assign <id, #id or name>: that batch's assignment view."""
    target = flow.parse_target(command.args)
    if target is None:
        return await listing(turn, command)
    if isinstance(target, int):
        batch_id: int | None = target
    else:
        found = await batch_repo.by_name(turn.session, target)
        batch_id = found.id if found is not None else None
    card = await batches.card(turn.app, turn.session, batch_id) if batch_id else None
    if card is None:
        shown = " ".join(command.args.split())
        return await turn.run(lambda st, ev, ctx: flow.unknown(st, ctx, shown), command)
    return await turn.run(lambda st, ev, ctx: flow.view(st, ctx, card), command)


async def listing(turn: Turn, event: Event) -> Outcome:
    """Unfinished batches with what each still lacks (the recent batches when nothing is missing)."""
    now = as_utc(turn.now or datetime.now(timezone.utc))
    cards = []
    for batch in await batch_repo.unfinished(turn.session, now):
        card = await batches.card(turn.app, turn.session, batch.id or 0)
        if card is not None:
            cards.append(card)
    recent = await batches.listing(turn.app, turn.session)
    return await turn.run(lambda st, ev, ctx: flow.listing(st, ctx, cards, recent), event)


async def show(turn: Turn, batch_id: int, event: Event, notice: Text | None = None) -> Outcome:
    """One batch's assignment view, after an optional notice of what just changed."""
    card = await batches.card(turn.app, turn.session, batch_id)
    return await turn.run(lambda st, ev, ctx: flow.view(st, ctx, card, notice), event)
