"""Storing a submitted application with its immutable pledge acceptance (R4, R6), audited and encrypted."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.pii import mask_id_number
from bot.services import resubmission
from flows.apply import SubmitApplication
from flows.context import FlowContext
from storage.models import Announcement, Application, PledgeAcceptance, UserAccount
from storage.repositories import applications, audit

PLEDGE_KEY = "apply.pledge_text"


def pledge_hash(app: App, locale: str) -> str:
    """SHA-256 of the pledge text exactly as shown in `locale` (identifies the text version accepted)."""
    return hashlib.sha256(app.i18n.render(locale, PLEDGE_KEY).encode("utf-8")).hexdigest()


def _held(values: dict[str, Any]) -> list[dict[str, Any]]:
    if values.get("held_cert", "none") == "none":
        return []
    return [
        {
            "kind": values["held_cert"],
            "level": values.get("held_level") or values.get("held_title_level"),
            "name": values.get("held_name"),
            "number": values.get("held_number"),
            "date": values.get("held_date"),
            "issuer": values.get("held_issuer"),
        }
    ]


async def submit(app: App, session: AsyncSession, user: UserAccount, effect: SubmitApplication, ctx: FlowContext) -> Application:
    """Insert the application and its pledge acceptance in the update's transaction."""
    values = effect.values
    identity = values["id_number"]
    number = identity["number"]
    announcement = await session.get(Announcement, int(values["announcement"]))
    if announcement is None or announcement.id is None:
        raise ValueError("announcement vanished between check and submit")
    application = Application(
        number=effect.number,
        user_id=user.id,
        announcement_id=announcement.id,
        occupation_id=announcement.occupation_id,
        level=int(values["level"]),
        name=values["name"],
        gender=identity.get("gender") or values["gender"],
        birth_date=date.fromisoformat(identity.get("birth") or values["birth_date"]),
        id_type=values["id_type"],
        id_number_enc=app.cipher.encrypt(number) or "",
        id_number_hash=app.cipher.lookup_hash(number) or "",
        mobile_enc=app.cipher.encrypt(values["mobile"]) or "",
        mobile_hash=app.cipher.lookup_hash(values["mobile"]) or "",
        category=values["category"],
        work_unit=values["work_unit"],
        education=values["education"],
        major=values["major"],
        held_certificates=_held(values),
        post=values["post"],
        years_in_post=float(values["years"]),
        subjects=str(values["subjects"]).split("+"),
        photo=values["photo"],
        documents=list(values.get("documents") or []),
    )
    if values.get("__resubmit_of"):  # a rejected / needs-supplement application fixed by its owner: same row, same number
        application = await resubmission.update_existing(session, user, int(values["__resubmit_of"]), application)
    else:
        await applications.add(session, application)
    assert application.id is not None
    pledge = PledgeAcceptance(application_id=application.id, user_id=user.id, locale=ctx.locale, text_hash=pledge_hash(app, ctx.locale))
    await applications.add_pledge(session, pledge)
    after = {"number": application.number, "level": application.level, "id_number": mask_id_number(number), "status": application.status}
    await audit.record(session, user.id, "submit", "application", application.id, None, after)
    return application
