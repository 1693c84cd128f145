"""Carry out the side effects flows ask for, audited, inside the update's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_name, mask_phone
from bot.services import applications, review
from bot.services import announcements, batch_changes, batches, cert_admin
from bot.services import incidents
from bot.services.after_commit import Action, AfterCommit
from flows.batch import CreateBatch
from flows.apply import SubmitApplication
from flows.context import FlowContext
from flows.effects import SaveProfile, SetLocale
from flows.review import ReviewDecision
from storage.models import UserAccount, utcnow
from storage.repositories import audit


def _no_after_commit(action: Action) -> None:
    raise RuntimeError("this effect needs an after-commit hook")


async def apply(
    app: App, session: AsyncSession, user: UserAccount, effects: list[Any], ctx: FlowContext,
    after_commit: AfterCommit = _no_after_commit,
) -> None:
    """Apply each effect to the store; unknown effects are a programming error."""
    cipher = app.cipher
    for effect in effects:
        if isinstance(effect, SetLocale):
            before = {"locale": user.locale}
            user.locale = effect.locale
            await audit.record(session, user.id, "set_locale", "user", user.id, before, {"locale": effect.locale})
        elif isinstance(effect, SaveProfile):
            old_phone = cipher.decrypt(user.phone_enc) if user.phone_enc else None
            before = {"full_name": mask_name(user.full_name), "phone": mask_phone(old_phone)}
            user.full_name = effect.name
            user.phone_enc = cipher.encrypt(effect.phone)
            user.phone_hash = cipher.lookup_hash(effect.phone)
            after = {"full_name": mask_name(effect.name), "phone": mask_phone(effect.phone)}
            await audit.record(session, user.id, "save_profile", "user", user.id, before, after)
        elif isinstance(effect, SubmitApplication):
            await applications.submit(app, session, user, effect, ctx)
            continue
        elif isinstance(effect, ReviewDecision):
            await review.decide(app, session, user, effect, ctx, after_commit)
            continue
        elif isinstance(effect, CreateBatch):
            await batches.create(app, session, user, effect)
            continue
        elif isinstance(effect, batch_changes.EFFECTS):
            await batch_changes.apply_effect(app, session, user, effect, ctx, after_commit)
            continue
        elif isinstance(effect, announcements.EFFECTS):
            await announcements.apply_effect(session, user, effect)
            continue
        elif isinstance(effect, cert_admin.EFFECTS):
            await cert_admin.apply_effect(app, session, user, effect, ctx)
            continue
        elif isinstance(effect, incidents.EFFECTS):
            await incidents.apply_effect(app, session, user, effect, ctx)
            continue
        else:
            raise TypeError(f"unknown effect {type(effect).__name__}")
        user.updated_at = utcnow()
        session.add(user)
