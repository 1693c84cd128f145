"""Check captured Bot API calls against the machine-readable spec in ../shared/telegram."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.support.fake_bot_api import ApiCall

SPEC_PATHS = [
    Path(__file__).resolve().parents[2] / ".." / "shared" / "telegram" / "bot-api-spec.min.json",
    Path(__file__).resolve().parents[1] / "data" / "bot-api-spec.min.json",
]


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The Bot API spec (methods and types)."""
    for path in SPEC_PATHS:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError("bot-api-spec.min.json not found beside the project")


def _check_object(type_name: str, value: Any, where: str, errors: list[str]) -> None:
    types = spec()["types"]
    if type_name not in types or not isinstance(value, dict):
        return
    fields = {f["name"]: f for f in types[type_name].get("fields", [])}
    for name, field in fields.items():
        if field.get("required") and name not in value:
            errors.append(f"{where}: {type_name}.{name} is required")
    for name in value:
        if name not in fields:
            errors.append(f"{where}: {type_name} has no field {name}")
    if type_name == "InlineKeyboardButton":
        data = value.get("callback_data")
        if data is not None and len(str(data).encode("utf-8")) > 64:
            errors.append(f"{where}: callback_data longer than 64 bytes: {data!r}")
        actions = [k for k in value if k not in ("text", "icon_custom_emoji_id", "style")]
        if len(actions) != 1:
            errors.append(f"{where}: InlineKeyboardButton needs exactly one action field, got {actions}")
    for name, item in value.items():
        field = fields.get(name)
        if not field:
            continue
        for declared in field.get("types", []):
            inner = declared.replace("Array of ", "")
            if inner in types:
                if isinstance(item, list):
                    for i, element in enumerate(item):
                        if isinstance(element, list):
                            for j, sub in enumerate(element):
                                _check_object(inner, sub, f"{where}.{name}[{i}][{j}]", errors)
                        else:
                            _check_object(inner, element, f"{where}.{name}[{i}]", errors)
                else:
                    _check_object(inner, item, f"{where}.{name}", errors)


def _markup_type(markup: dict[str, Any]) -> str | None:
    if "inline_keyboard" in markup:
        return "InlineKeyboardMarkup"
    if "keyboard" in markup:
        return "ReplyKeyboardMarkup"
    if "remove_keyboard" in markup:
        return "ReplyKeyboardRemove"
    if "force_reply" in markup:
        return "ForceReply"
    return None


def validate_call(call: ApiCall) -> list[str]:
    """Problems with one call: unknown method, missing/unknown fields, length limits, markup shape."""
    methods = spec()["methods"]
    errors: list[str] = []
    if call.method not in methods:
        return [f"unknown method {call.method}"]
    fields = {f["name"]: f for f in methods[call.method].get("fields", [])}
    given = dict(call.params)
    for name in call.files:
        given.setdefault(name, "<file>")
    for name, field in fields.items():
        if field.get("required") and name not in given and not any(f"attach://{n}" == str(given.get(name)) for n in call.files):
            errors.append(f"{call.method}: required field {name} missing")
    for name in given:
        if name not in fields and name not in call.files:
            errors.append(f"{call.method}: unknown field {name}")
    text = call.params.get("text")
    if call.method == "sendMessage" and (not isinstance(text, str) or not 1 <= len(text) <= 4096):
        errors.append(f"sendMessage: text length {len(str(text or ''))} outside 1..4096")
    caption = call.params.get("caption")
    if isinstance(caption, str) and len(caption) > 1024:
        errors.append(f"{call.method}: caption longer than 1024")
    markup = call.params.get("reply_markup")
    if isinstance(markup, dict):
        kind = _markup_type(markup)
        if kind is None:
            errors.append(f"{call.method}: reply_markup of unknown shape {sorted(markup)}")
        else:
            _check_object(kind, markup, f"{call.method}.reply_markup", errors)
    commands = call.params.get("commands")
    if call.method == "setMyCommands" and isinstance(commands, list):
        for c in commands:
            _check_object("BotCommand", c, "setMyCommands.commands", errors)
            if not 1 <= len(str(c.get("command", ""))) <= 32 or not 1 <= len(str(c.get("description", ""))) <= 256:
                errors.append(f"setMyCommands: bad command entry {c}")
    return errors


def assert_valid(calls: list[ApiCall]) -> None:
    """Fail with every problem found in the calls."""
    problems = [p for call in calls for p in validate_call(call)]
    assert not problems, "invalid Bot API calls:\n" + "\n".join(problems)
