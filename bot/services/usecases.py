"""Use cases behind the commands, shared by every transport; handlers only translate and send."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.services import export as export_service, uploads
from bot.services import batch_usecases, cert_admin, cert_import_usecases, cert_usecases, invites, reminders, resubmission, withdrawal
from bot.services import deadline_usecases
from bot.services import incident_usecases
from bot.services import score_usecases
from bot.services import review as review_service
from bot.services.turn import FlowStep, Outcome, Turn, with_facts
from flows import commands, deeplinks, my, staff
from flows import export as export_flow
from flows import withdraw as withdraw_flow
from flows import review as review_flow
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.events import ButtonPress, Command, Event, FileInput
from flows.menu import INVITABLE_ROLES
from flows.replies import Label, MenuUpdate, Text
from flows.state import ConversationState


async def start(turn: Turn, payload: str) -> Outcome:
    """/start with an optional deep-link payload (invites are redeemed here)."""
    parsed = deeplinks.parse(payload)
    if parsed.kind == "ticket" and (taken := await incident_usecases.take_scan(turn, parsed.value, Command("start", payload))):
        return taken  # the scanned ticket answers an incident report waiting for its candidate
    notice: Text | None = None
    menu: MenuUpdate | None = None
    if parsed.kind == "invite":
        result = await invites.redeem(turn.session, parsed.value, turn.actor.user_id, datetime.now(timezone.utc))
        await turn.session.commit()
        if result.status is invites.Redeemed.OK and result.role:
            notice = Text("invite.ok", {"role": Label(f"role.{result.role}")})
            menu = MenuUpdate(result.role)
        else:
            notice = Text(f"invite.{result.status.value}")
    elif parsed.kind == "ticket":
        return await batch_usecases.scan(turn, parsed.value, Command("start", payload))
    elif parsed.kind == "certificate":
        return await cert_usecases.verify(turn, parsed.value, Command("start", payload))
    elif parsed.kind != "none":
        notice = Text("start.unknown_link")
    return await turn.run(lambda st, ev, ctx: commands.start(st, ctx, notice, menu), Command("start", payload))


async def invite(turn: Turn, args: str) -> Outcome:
    """/invite ROLE: create a one-time deep link for a new staff member (caller is role-checked)."""
    event = Command("invite", args)
    role = args.strip().lower()
    if not role:
        return await turn.run(lambda st, ev, ctx: staff.invite_usage(st, ctx), event)
    if role not in INVITABLE_ROLES:
        return await turn.run(lambda st, ev, ctx: staff.invite_bad_role(st, ctx, role), event)
    settings = turn.app.settings
    token = await invites.create(
        turn.session, role, turn.actor.user_id, timedelta(hours=settings.invite_ttl_hours), datetime.now(timezone.utc)
    )
    await turn.session.commit()
    link = invites.deep_link(settings.bot_username, token)
    return await turn.run(
        lambda st, ev, ctx: staff.invite_created(st, ctx, role, link, settings.invite_ttl_hours), event
    )


_SIMPLE: dict[str, FlowStep] = {
    "help": lambda st, ev, ctx: commands.help_(st, ctx),
    "lang": lambda st, ev, ctx: commands.lang(st, ctx),
    "cancel": lambda st, ev, ctx: commands.cancel(st, ctx),
    "whoami": lambda st, ev, ctx: commands.whoami(st, ctx),
    "profile": lambda st, ev, ctx: commands.open_form("profile", st, ctx),
    "apply": lambda st, ev, ctx: commands.open_form("apply", st, ctx),
}
SIMPLE_COMMANDS = tuple(_SIMPLE)


async def simple(turn: Turn, name: str, event: Event) -> Outcome:
    """Commands that are pure flow steps: help, lang, cancel, whoami and the forms (profile, apply)."""
    if name == "apply":
        return await apply(turn, event)
    return await turn.run(_SIMPLE[name], event, forms=(name,) if name in commands.FORMS else ())


async def choose_lang(turn: Turn, data: str) -> Outcome:
    """A lang:<code> button."""
    return await turn.run(lambda st, ev, ctx: commands.choose_lang(st, ctx, data), ButtonPress(data))


async def user_input(turn: Turn, event: Event, fetch: uploads.Fetch | None = None) -> Outcome:
    """Anything else: the active form's input (or a reviewer's note), or a hint; image uploads are inspected first.

    A roster file (xlsx/CSV) a staff member sends outside any form is offered for certificate import.
    """
    if isinstance(event, FileInput) and await deadline_usecases.wants(turn, event):
        return await deadline_usecases.offer(turn, event, fetch)  # the holiday file /holidays asked for
    if isinstance(event, FileInput) and await score_usecases.wants(turn, event):
        return await score_usecases.upload(turn, event, fetch)  # a score sheet after /scores ID
    if isinstance(event, FileInput) and await cert_import_usecases.wants(turn, event):
        return await cert_import_usecases.offer(turn, event, fetch)
    if (taken := await incident_usecases.take_input(turn, event)) is not None:
        return taken  # input to an incident report, note or appeal (photos kept by file id, not downloaded)
    if (taken := await cert_usecases.take_input(turn, event)) is not None:
        return taken  # a value typed into an active certificate query, looked up at once
    return await _deciding(turn, commands.on_input, await uploads.enrich(event, fetch))


async def _deciding(turn: Turn, step: FlowStep, event: Event) -> Outcome:
    """Run a step that may decide an application or change a certificate; a change someone made first is refused.

    The refused step's state is not saved, so the form draft stays where it was.
    """
    try:
        return await turn.run(step, event)
    except cert_admin.Refused as refused:
        await turn.session.rollback()
        text = refused.text
        return await turn.run(lambda st, ev, ctx: FlowResult(st, [text]), event)
    except review_service.StaleDecision as stale:
        await turn.session.rollback()
        number, status = stale.number, stale.status
        return await turn.run(lambda st, ev, ctx: review_flow.refuse_stale(st, ctx, number, status), event)


async def review(turn: Turn, button: str | None = None) -> Outcome:
    """/review (button None) or an `rv:` button: the queue card, files and decisions (callers check the role)."""
    facts = await review_service.facts(turn.app, turn.session, button)
    if button is None:
        return await _deciding(turn, with_facts("review", facts, lambda st, ev, ctx: review_flow.show(st, ctx)), Command("review"))
    data = button
    step = with_facts("review", facts, lambda st, ev, ctx: review_flow.on_button(st, data, ctx))
    return await _deciding(turn, step, ButtonPress(button))


async def my_applications(turn: Turn) -> Outcome:
    """/my: the user's applications with status and reviewer's note."""
    items = await resubmission.my_facts(turn.app, turn.session, (await turn.user()).id)
    return await turn.run(with_facts("my", items, lambda st, ev, ctx: my.show(st, ctx)), Command("my"))


async def application_button(turn: Turn, button: str) -> Outcome:
    """An `ap:fix:<id>` button: the apply form reopened with that application's answers; `ap:wd…` withdraws."""
    if withdraw_flow.target(button) is not None:
        return await withdraw_application(turn, button)
    app_id = my.fix_target(button)
    user = await turn.user()
    prefill = await resubmission.fix_facts(turn.app, turn.session, user.id, app_id) if app_id is not None else None
    step = with_facts("fix", prefill, lambda st, ev, ctx: my.fix(st, ctx))
    return await turn.run(step, ButtonPress(button), forms=("apply",))


async def apply(turn: Turn, event: Event) -> Outcome:
    """/apply: the application form; with no draft open, an application awaiting supplements is reopened."""
    prefill = await resubmission.fix_facts(turn.app, turn.session, (await turn.user()).id, None)

    def step(st: ConversationState, ev: Event, ctx: FlowContext) -> FlowResult:
        return my.reopen_for_supplement(st, ctx) or commands.open_form("apply", st, ctx)

    return await turn.run(with_facts("fix", prefill, step), event, forms=("apply",))


async def export_applications(turn: Turn, args: str) -> Outcome:
    """/export_applications ID: the announcement's roster as xlsx, audited (callers check the role)."""
    event = Command("export_applications", args)
    announcement_id = export_flow.parse_announcement(args)
    if announcement_id is None:
        return await turn.run(lambda st, ev, ctx: export_flow.usage(st, ctx), event)
    user = await turn.user()
    locale = turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)
    roster = await export_service.roster(turn.app, turn.session, announcement_id, locale, user.id)
    if roster is None:
        return await turn.run(lambda st, ev, ctx: export_flow.not_found(st, ctx, announcement_id), event)
    if roster.rows == 0:
        return await turn.run(lambda st, ev, ctx: export_flow.empty(st, ctx, announcement_id, roster.title), event)
    return await turn.run(
        lambda st, ev, ctx: export_flow.sent(st, ctx, roster.content, roster.filename, roster.rows, roster.title), event
    )


async def withdraw_application(turn: Turn, button: str) -> Outcome:
    """`ap:wd:<id>` asks, `ap:wd!:<id>` withdraws: ticket voided, seat released, reminders cancelled."""
    target = withdraw_flow.target(button)
    assert target is not None
    action, application_id = target
    user = await turn.user()
    if action == withdraw_flow.ASK:
        found = await withdrawal.withdrawable(turn.session, user.id, application_id, turn.now or datetime.now(timezone.utc))
        number = found.number if found else None
        return await turn.run(lambda st, ev, ctx: withdraw_flow.ask(st, ctx, number, application_id), ButtonPress(button))
    result = await withdrawal.withdraw(turn.session, user.id, application_id, datetime.now(timezone.utc))
    await turn.session.commit()
    for ticket_id in result[1] if result else ():
        await reminders.cancel_ticket(turn.app, ticket_id)
    done_number = result[0] if result else None
    return await turn.run(lambda st, ev, ctx: withdraw_flow.done(st, ctx, done_number), ButtonPress(button))
