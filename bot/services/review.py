"""Review queue facts (decrypted only in memory, shown masked) and review decisions, checked and audited."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_id_number, mask_phone
from bot.services import reminders, tickets
from bot.services.after_commit import AfterCommit
from flows.context import FlowContext
from flows.replies import Label
from flows.review import ReviewDecision, target
from flows.review_card import APPROVED, DECISIONS, SUBMITTED
from storage.models import Application, Occupation, UserAccount
from storage.repositories import applications, audit, users

NOTE_LIMIT = 500  # the review_note column


class StaleDecision(Exception):
    """The application no longer awaits review (another staff member decided first)."""

    def __init__(self, number: str, status: str) -> None:
        super().__init__(number)
        self.number = number
        self.status = status


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """`YYYY-MM-DD HH:MM` in the configured time zone (stored times without a zone are UTC)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def card(app: App, session: AsyncSession, application: Application) -> dict[str, Any]:
    """What a reviewer sees of one application: identity number and mobile masked, files by Telegram file id."""
    occupation = await session.get(Occupation, application.occupation_id)
    id_number = app.cipher.decrypt(application.id_number_enc)
    mobile = app.cipher.decrypt(application.mobile_enc)
    return {
        "id": application.id,
        "number": application.number,
        "status": application.status,
        "user_id": application.user_id,
        "occupation": occupation.name if occupation else "",
        "work_type": occupation.work_type if occupation else "",
        "level": application.level,
        "name": application.name,
        "gender": application.gender,
        "birth": application.birth_date.isoformat(),
        "id_type": application.id_type,
        "id_masked": mask_id_number(id_number),
        "mobile_masked": mask_phone(mobile),
        "category": application.category,
        "work_unit": application.work_unit,
        "education": application.education,
        "major": application.major,
        "held": list(application.held_certificates or []),
        "post": application.post,
        "years": application.years_in_post,
        "subjects": list(application.subjects or []),
        "submitted": local_time(application.submitted_at, app.tz),
        "photo": dict(application.photo or {}),
        "documents": list(application.documents or []),
        "note": application.review_note if application.status == SUBMITTED else None,
    }


async def facts(app: App, session: AsyncSession, button: str | None) -> dict[str, Any]:
    """The card a /review command or `rv:` button is about, and how many applications wait."""
    action, app_id = target(button)
    if action in ("", "next"):
        after = await applications.get(session, app_id) if app_id is not None else None
        application = await applications.next_submitted(session, after)
    else:
        application = await applications.get(session, app_id) if app_id is not None else None
    shown = await card(app, session, application) if application is not None else None
    return {"card": shown, "queue": await applications.count_submitted(session)}


def _note(app: App, locale: str, effect: ReviewDecision) -> str | None:
    """The note the candidate reads in /my: the reason template in their language and the reviewer's text."""
    if effect.status == APPROVED:
        return None
    code = next(code for code, status in DECISIONS.items() if status == effect.status)
    reason = Label(f"review.reason_{code}.{effect.reason}")
    return app.i18n.render(locale, "review.stored_note", {"reason": reason, "text": effect.note})[:NOTE_LIMIT]


async def decide(
    app: App, session: AsyncSession, reviewer: UserAccount, effect: ReviewDecision, ctx: FlowContext,
    after_commit: AfterCommit | None = None,
) -> None:
    """Record a decision if the application still awaits review (one atomic update); else raise StaleDecision.

    An approval seats the candidate in the planned batches at once (and issues the ticket where tickets are out).
    """
    application = await applications.get(session, effect.application_id)
    if application is None:
        raise StaleDecision("", "unknown")
    candidate = await users.get(session, application.user_id)
    note = _note(app, app.i18n.resolve(candidate.locale if candidate else None), effect)
    if not await applications.decide(session, effect.application_id, SUBMITTED, effect.status, note, reviewer.id, ctx.now):
        current = await applications.get(session, effect.application_id)
        raise StaleDecision(application.number, current.status if current else "unknown")
    after = {"number": application.number, "status": effect.status, "reason": effect.reason or None, "note": bool(effect.note)}
    await audit.record(session, reviewer.id, "review", "application", effect.application_id, {"status": SUBMITTED}, after)
    if effect.status == APPROVED:
        issued = await tickets.seat_on_approval(app, session, application.announcement_id, application.level, ctx.now)
        if issued and after_commit is not None:
            target = app

            async def plan() -> None:
                for ticket_id in issued:
                    await reminders.schedule_ticket(target, ticket_id)

            after_commit(plan)
