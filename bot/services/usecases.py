"""Use cases behind the commands, shared by every transport; handlers only translate and send."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.services import invites
from bot.services.turn import FlowStep, Outcome, Turn
from flows import commands, deeplinks, staff
from flows.events import ButtonPress, Command, Event
from flows.menu import INVITABLE_ROLES
from flows.replies import Label, MenuUpdate, Text


async def start(turn: Turn, payload: str) -> Outcome:
    """/start with an optional deep-link payload (invites are redeemed here)."""
    parsed = deeplinks.parse(payload)
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
    return await turn.run(_SIMPLE[name], event, forms=(name,) if name in commands.FORMS else ())


async def choose_lang(turn: Turn, data: str) -> Outcome:
    """A lang:<code> button."""
    return await turn.run(lambda st, ev, ctx: commands.choose_lang(st, ctx, data), ButtonPress(data))


async def user_input(turn: Turn, event: Event) -> Outcome:
    """Anything else: the active form's input, or a hint."""
    return await turn.run(commands.on_input, event)
