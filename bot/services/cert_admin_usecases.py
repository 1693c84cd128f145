"""Staff work on registered certificates: the card, corrections (K4), revocation and reissue (K5), logical deletion."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import cert_admin
from bot.services.turn import Outcome, Turn, with_facts
from flows import cert_card, cert_fix, cert_status
from flows.events import ButtonPress, Command

COMMANDS = ("certificate",)
PREFIX = cert_card.PREFIX  # callback-data namespace of the certificate card ("ca")


async def route(turn: Turn, command: Command) -> Outcome:
    """/certificate NUMBER: the registry card."""
    if not command.args.strip():
        return await turn.run(lambda st, ev, ctx: cert_card.usage(st, ctx), command)
    card = await cert_admin.card_by_number(turn.app, turn.session, command.args)
    return await turn.run(lambda st, ev, ctx: cert_card.show(st, ctx, card), command)


async def button(turn: Turn, data: str) -> Outcome:
    """A `ca:` button of the card."""
    event = ButtonPress(data)
    action = cert_card.parse(data)
    if action is None:
        return await turn.run(lambda st, ev, ctx: cert_card.refuse(st, ctx, "hint.stale_button"), event)
    app, session, cert_id = turn.app, turn.session, action.certificate_id
    if action.kind == cert_card.SHOW:
        card = await cert_admin.card_by_id(app, session, cert_id)
        return await turn.run(lambda st, ev, ctx: cert_card.show(st, ctx, card), event)
    if action.kind == cert_card.HISTORY:
        full = await cert_admin.card_by_id(app, session, cert_id, cert_admin.FULL_HISTORY)
        return await turn.run(lambda st, ev, ctx: cert_card.history(st, ctx, full), event)
    facts = await cert_admin.form_facts(app, session, cert_id, turn.now or datetime.now(timezone.utc))
    if action.kind == cert_card.FIX:
        return await turn.run(with_facts(cert_fix.NAME, facts, lambda st, ev, ctx: cert_fix.start(st, ctx)), event)
    kind = action.kind
    form_name = cert_status.FORMS[kind].name
    return await turn.run(with_facts(form_name, facts, lambda st, ev, ctx: cert_status.start(st, ctx, kind)), event)
