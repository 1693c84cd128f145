"""Policy profiles (DOMAIN P-rules per region) read from `bot/data/policies.toml` and checked on load."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.rules.deadlines import DIRECTIONS, DUE, EVENTS, KINDS, UNITS, Profile, RuleSpec, Silent, Term

POLICIES_FILE = Path(__file__).resolve().parent.parent / "data" / "policies.toml"


class PolicyFileError(ValueError):
    """The profiles file is malformed: names the profile and rule at fault."""


class UnknownPolicy(LookupError):
    """No profile has the requested name; `known` lists the names there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown policy {name!r}; known policies: {', '.join(known)}")
        self.name = name
        self.known = known


def _choice(where: str, field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PolicyFileError(f"{where}: {field} {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _term(where: str, raw: Mapping[str, Any]) -> Term:
    amount = raw.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise PolicyFileError(f"{where}: amount must be a whole number ≥ 0")
    citation = str(raw.get("citation", "")).strip()
    if not citation:
        raise PolicyFileError(f"{where}: every term needs a citation")
    return Term(amount, _choice(where, "unit", raw.get("unit"), UNITS), citation)


def _rule(profile: str, raw: Mapping[str, Any]) -> RuleSpec:
    rule = str(raw.get("rule", "")).strip()
    where = f"profile {profile}, rule {rule or '?'}"
    if not rule:
        raise PolicyFileError(f"{where}: a rule needs an id")
    terms = tuple(_term(where, t) for t in raw.get("terms", []))
    basis = str(raw.get("basis", "")).strip()
    if not terms or not basis:
        raise PolicyFileError(f"{where}: a rule needs terms and a basis")
    provides = raw.get("provides")
    return RuleSpec(
        rule=rule,
        anchor=_choice(where, "anchor", raw.get("anchor"), EVENTS),
        direction=_choice(where, "direction", raw.get("direction"), DIRECTIONS),
        terms=terms,
        basis=basis,
        kind=_choice(where, "kind", raw.get("kind", DUE), KINDS),
        provides=_choice(where, "provides", provides, EVENTS) if provides is not None else None,
        note=str(raw.get("note", "")),
    )


def _profile(raw: Mapping[str, Any]) -> Profile:
    name = str(raw.get("name", "")).strip()
    if not name:
        raise PolicyFileError("a profile needs a name")
    rules = tuple(_rule(name, r) for r in raw.get("rule", []))
    ids = [r.rule for r in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise PolicyFileError(f"profile {name}: rule(s) listed twice: {', '.join(duplicated)}")
    silent = tuple(Silent(str(s.get("rule", "")), str(s.get("note", ""))) for s in raw.get("silent", []))
    both = sorted(set(ids) & {s.rule for s in silent})
    if both:
        raise PolicyFileError(f"profile {name}: rule(s) both applied and silent: {', '.join(both)}")
    return Profile(name, str(raw.get("title", name)), tuple(str(s) for s in raw.get("sources", [])), rules, silent)


def parse_profiles(text: str) -> dict[str, Profile]:
    """Profiles by name from the TOML text of a profiles file; PolicyFileError when malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(f"not valid TOML: {exc}") from None
    profiles: dict[str, Profile] = {}
    for raw in data.get("profile", []):
        profile = _profile(raw)
        if profile.name in profiles:
            raise PolicyFileError(f"profile {profile.name} is defined twice")
        profiles[profile.name] = profile
    return profiles


def load_profiles(path: Path = POLICIES_FILE) -> dict[str, Profile]:
    """Profiles by name from the shipped file (or another one)."""
    return parse_profiles(path.read_text(encoding="utf-8"))


def get_profile(name: str, path: Path = POLICIES_FILE) -> Profile:
    """One profile by name; UnknownPolicy (listing the known names) when there is none."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise UnknownPolicy(name, sorted(profiles))
    return profiles[name]
