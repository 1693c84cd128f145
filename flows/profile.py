"""The profile form: the user's own name and mobile number, reused by later forms."""

from __future__ import annotations

import re
from typing import Any

from bot.normalize import person_name, phone_digits
from bot.pii import mask_phone
from flows.context import FlowContext
from flows.effects import SaveProfile
from flows.engine import Form, InputKind, Invalid, Step
from flows.events import ContactShared, Event, TextInput
from flows.replies import Reply, Text

_CJK_NAME = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf]+(·[\u4e00-\u9fff\u3400-\u4dbf]+)*$")
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ]+([ '\-·][A-Za-zÀ-ÖØ-öø-ÿ]+)*$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def parse_name(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """A personal name in Chinese (2–20 characters, middle dot allowed) or Latin letters (2–60)."""
    assert isinstance(event, TextInput)
    name = person_name(event.text)
    if _CJK_NAME.match(name) and 2 <= len(name) <= 20:
        return name
    if _LATIN_NAME.match(name) and 2 <= len(name) <= 60:
        return name
    raise Invalid("profile.bad_name")


def normalize_mobile(raw: str) -> str:
    """Normalize a mobile number: mainland numbers to 11 digits, others to +CC digits; Invalid otherwise."""
    value = phone_digits(raw)
    bare = value.lstrip("+")
    if bare.startswith("86") and len(bare) == 13:
        bare = bare[2:]
        value = bare
    if _CN_MOBILE.match(value):
        return value
    if value.startswith("+") and 8 <= len(bare) <= 15 and not bare.startswith("86"):
        return value
    raise Invalid("profile.bad_mobile")


def parse_mobile(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """Mobile from a shared contact (must be the user's own) or typed."""
    if isinstance(event, ContactShared):
        if not event.own:
            raise Invalid("profile.not_own_contact")
        return normalize_mobile(event.phone)
    assert isinstance(event, TextInput)
    return normalize_mobile(event.text)


def _complete(values: dict[str, Any], ctx: FlowContext) -> tuple[list[Reply], list[Any]]:
    effect = SaveProfile(name=values["name"], phone=values["mobile"])
    return [Text("profile.saved", {"name": values["name"], "mobile": mask_phone(values["mobile"])})], [effect]


PROFILE_FORM = Form(
    name="profile",
    title="profile.title",
    summary="form.summary",
    steps=(
        Step("name", "profile.ask_name", InputKind.TEXT, parse=parse_name, label="profile.field_name"),
        Step(
            "mobile",
            "profile.ask_mobile",
            InputKind.CONTACT,
            parse=parse_mobile,
            label="profile.field_mobile",
            show=mask_phone,
        ),
    ),
    complete=_complete,
)
