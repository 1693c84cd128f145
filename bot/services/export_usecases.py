"""Use case of /export, shared by every transport (callers check the staff role): an announcement's applications
(the existing roster export), a batch's tickets and seats, or a batch's scores, each as xlsx and audited."""

from __future__ import annotations

from bot.services import batch_export, usecases
from bot.services.turn import Outcome, Turn
from flows import export as flow
from flows.events import Command

COMMANDS = (flow.EXPORT_COMMAND,)


async def route(turn: Turn, command: Command) -> Outcome:
    """/export [applications|tickets|scores ID]: the menu, or the workbook."""
    parsed = flow.parse_export(command.args)
    if parsed is None:
        return await turn.run(lambda st, ev, ctx: flow.menu(st, ctx), command)
    kind, ident = parsed
    if kind == flow.APPLICATIONS:
        return await usecases.export_applications(turn, str(ident))
    user = await turn.user()
    locale = turn.app.i18n.resolve(user.locale or turn.app.settings.default_locale)
    sheet = await batch_export.export(turn.app, turn.session, ident, kind, locale, user.id)
    if sheet is None:
        return await turn.run(lambda st, ev, ctx: flow.batch_not_found(st, ctx, ident), command)
    await turn.session.commit()
    found = sheet
    return await turn.run(
        lambda st, ev, ctx: flow.batch_sent(st, ctx, kind, found.content, found.filename, found.rows, found.title), command
    )
