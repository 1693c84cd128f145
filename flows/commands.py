"""Basic commands (/start, /help, /lang, /cancel, /whoami, /profile) and the input fallback."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from flows import engine
from flows.context import FlowContext
from flows.effects import SetLocale
from flows.engine import FlowResult, Form
from flows.events import ButtonPress, Command, Event, Unsupported
from flows.menu import commands_for
from flows import cert_import, cert_query, review, scores, staff_deadlines
from flows.announce import ANNOUNCE_FORM
from flows.announce import unavailable as announce_unavailable
from flows.apply import APPLY_FORM
from flows.apply import unavailable as apply_unavailable
from flows.profile import PROFILE_FORM
from flows.batch import BATCH_FORM
from flows.batch import unavailable as batch_unavailable
from flows.batch_move import MOVE_FORM
from flows.cert_forms import CERT_FORMS
from flows.incident import INCIDENT_FORMS
from flows.replies import InlineButton, InlineKeyboard, Label, MenuUpdate, RemoveKeyboard, Reply, Text
from flows.state import ConversationState

LOCALES = ("zh_CN", "en")
LANG_PREFIX = "lang:"

FORMS: dict[str, Form] = {
    form.name: form for form in (PROFILE_FORM, APPLY_FORM, ANNOUNCE_FORM, BATCH_FORM, MOVE_FORM, *CERT_FORMS, *INCIDENT_FORMS)
}
OPEN_GUARDS: dict[str, Callable[[FlowContext], Text | None]] = {
    APPLY_FORM.name: apply_unavailable,
    ANNOUNCE_FORM.name: announce_unavailable,
    BATCH_FORM.name: batch_unavailable,
}


def _menu(role: str) -> list[Label]:
    return [Label(f"cmd.{c}", {}) for c in commands_for(role)]


def start(
    state: ConversationState, ctx: FlowContext, notice: Text | None = None, menu: MenuUpdate | None = None
) -> FlowResult:
    """Role-aware welcome with the command menu, after an optional notice; an unfinished form is mentioned.

    Only forms opened by a command of the user's role are mentioned (card forms such as a certificate correction
    are resumed from their card).
    """
    replies: list[Reply] = [r for r in (menu, notice) if r is not None]
    replies += [Text(f"start.welcome_{ctx.role}", {"commands": [f"/{c}" for c in commands_for(ctx.role)], "menu": _menu(ctx.role)})]
    for name in state.forms:
        form = FORMS.get(name)
        if form and name in commands_for(ctx.role):
            replies.append(Text("start.unfinished", {"title": Label(form.title), "command": f"/{form.name}"}))
    return FlowResult(state, replies)


def help_(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Commands available to the user's role with one line each."""
    return FlowResult(state, [Text("help.text", {"role": Label(f"role.{ctx.role}"), "menu": _menu(ctx.role), "commands": [f"/{c}" for c in commands_for(ctx.role)]})])


def lang(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Offer the interface languages."""
    rows = tuple((InlineButton(Label(f"lang.name_{code}"), data=f"{LANG_PREFIX}{code}"),) for code in LOCALES)
    return FlowResult(state, [Text("lang.choose", {}, InlineKeyboard(rows))])


def choose_lang(state: ConversationState, ctx: FlowContext, data: str) -> FlowResult:
    """Switch the interface language from a lang:<code> button."""
    code = data.removeprefix(LANG_PREFIX)
    if code not in LOCALES:
        return FlowResult(state, [Text("hint.stale_button")])
    return FlowResult(state, [Text("lang.switched", {"language": Label(f"lang.name_{code}")})], [SetLocale(code)])


def cancel(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Leave the active form keeping its draft (a pending review decision is dropped), or say there is nothing to cancel."""
    if state.active == review.NAME:
        return review.cancel(state)
    if state.active == cert_query.NAME:
        return cert_query.cancel(state)
    form = FORMS.get(state.active or "")
    if form is None:
        return _drop_pending_uploads(state)
    return engine.cancel(form, state, ctx)


PENDING_UPLOADS = (staff_deadlines.HOLIDAY_FORM, cert_import.NAME, scores.NAME)  # staff waits for a file or a confirmation


def _drop_pending_uploads(state: ConversationState) -> FlowResult:
    """Outside a form, /cancel stops waiting for a staff file (holidays, roster, score sheet) and drops what was checked."""
    pending = [name for name in PENDING_UPLOADS if name in state.forms]
    if not pending:
        return FlowResult(state, [Text("cancel.nothing", {}, RemoveKeyboard())])
    kept = {name: progress for name, progress in state.forms.items() if name not in pending}
    return FlowResult(replace(state, forms=kept), [Text("cancel.uploads_dropped", {}, RemoveKeyboard())])


def whoami(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """The user's id, role, language and masked profile (facts provided by the service)."""
    facts = ctx.facts
    return FlowResult(
        state,
        [
            Text(
                "whoami.text",
                {
                    "user_id": ctx.user_id,
                    "role": Label(f"role.{ctx.role}"),
                    "language": Label(f"lang.name_{ctx.locale}"),
                    "name": facts.get("name") or Label("whoami.unset"),
                    "mobile": facts.get("mobile_masked") or Label("whoami.unset"),
                },
            )
        ],
    )


def open_form(name: str, state: ConversationState, ctx: FlowContext) -> FlowResult:
    """Start or resume a form by name, prefilled from facts the service supplies."""
    form = FORMS[name]
    guard = OPEN_GUARDS.get(name)
    blocked = guard(ctx) if guard else None
    if blocked is not None and name not in state.forms:
        return FlowResult(state, [blocked])
    prefill = ctx.facts.get("prefill", {}).get(name)
    return engine.start(form, state, ctx, prefill=None if state.forms.get(name) else prefill)


def on_input(state: ConversationState, event: Event, ctx: FlowContext) -> FlowResult:
    """Any non-command input: feed the active form, or hint what the bot expects."""
    if isinstance(event, Command) and event.name == "back":
        event = ButtonPress(engine.nav("back"))
    if isinstance(event, ButtonPress) and event.data.startswith(engine.NAV + ":drop:"):
        return engine.drop_draft(event.data.split(":", 2)[2], state)
    if isinstance(event, Unsupported) and event.kind == "edited":
        return FlowResult(state, [Text("hint.edited_ignored")])
    if state.active == review.NAME and not isinstance(event, Command):
        return review.on_input(state, event, ctx)
    if state.active == cert_query.NAME and not isinstance(event, Command):
        return cert_query.on_input(state, event, ctx)
    form = FORMS.get(state.active or "")
    if form is not None and not isinstance(event, Command):
        return engine.handle(form, state, event, ctx)
    if isinstance(event, Command):
        return FlowResult(state, [Text("hint.unknown_command", {"command": f"/{event.name}"})])
    if isinstance(event, ButtonPress):
        return FlowResult(state, [Text("hint.stale_button")])
    if isinstance(event, Unsupported):
        return FlowResult(state, [Text("hint.unsupported")])
    return FlowResult(state, [Text("hint.no_active_form")])
