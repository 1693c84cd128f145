"""Facts a flow step may read, loaded from the store before the pure step runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.services.announce_facts import announce_facts
from bot.services.application_facts import apply_facts
from bot.services import batch_changes, batches, cert_admin, incident_facts
from flows import batch_move, cert_drafts
from flows.cert_forms import CERT_FORMS
from bot.pii import mask_phone
from flows.state import ConversationState
from storage.models import UserAccount


def profile_facts(app: App, user: UserAccount) -> dict[str, Any]:
    """The user's stored profile (decrypted only in memory) and prefill values for forms."""
    phone = app.cipher.decrypt(user.phone_enc) if user.phone_enc else None
    prefill = {k: v for k, v in {"name": user.full_name, "mobile": phone}.items() if v}
    return {"name": user.full_name, "mobile_masked": mask_phone(phone) if phone else None, "prefill": {"profile": prefill, "apply": prefill}}


async def load(
    app: App, session: AsyncSession, user: UserAccount, state: ConversationState, forms: set[str], now: datetime
) -> dict[str, Any]:
    """Profile facts plus, for each form in `forms`, what that form needs from the store."""
    result = profile_facts(app, user)
    if "apply" in forms:
        result["apply"] = await apply_facts(app, session, user, state, now)
    if "announce" in forms:
        result["announce"] = await announce_facts(app, session, now)
    if "batch" in forms:
        result["batch"] = await batches.form_facts(app, session, now)
    draft = state.forms.get(batch_move.NAME)
    if batch_move.NAME in forms and draft is not None and draft.values.get(batch_move.SESSION_KEY):
        result[batch_move.NAME] = await batch_changes.move_facts(app, session, int(draft.values[batch_move.SESSION_KEY]), now)
    for cert_form in CERT_FORMS:
        cert_draft = state.forms.get(cert_form.name)
        if cert_form.name in forms and cert_draft is not None and cert_draft.values.get(cert_drafts.CERT_KEY):
            result[cert_form.name] = await cert_admin.form_facts(app, session, int(cert_draft.values[cert_drafts.CERT_KEY]), now)
    result.update(await incident_facts.form_facts(app, session, user, state, forms, now))
    return result
