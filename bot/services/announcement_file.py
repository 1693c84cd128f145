"""The announcement import file (TOML): read it and turn each `[[announcement]]` entry into a spec, or problems.

Shape (see bot/data/announcements_example.toml): institution (code, optional with a single institution),
occupation (code), work_type (optional), title, registration_start, registration_end, sites, fee_yuan and
`[announcement.levels.N]` tables with text, min_years, prior_level, alternative_years, students_exempt,
min_education and subjects.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.rules.announcements import AnnouncementSpec, LevelSpec, Problem, subject_options
from flows.replies import Label

ENTRY_FIELDS = (
    "institution", "occupation", "work_type", "title", "registration_start", "registration_end", "sites", "fee_yuan", "levels",
)
LEVEL_FIELDS = ("text", "min_years", "prior_level", "alternative_years", "students_exempt", "min_education", "subjects")
REQUIRED = ("occupation", "title", "registration_start", "registration_end", "sites", "fee_yuan", "levels")


class ImportFileError(ValueError):
    """The file cannot be read as an announcement file at all (safe to print)."""


@dataclass(frozen=True)
class Entry:
    """One parsed entry: where it belongs and what it announces."""

    institution: str | None
    occupation: str
    work_type: str | None
    spec: AnnouncementSpec


def read(path: Path) -> list[Any]:
    """The `announcement` entries of a TOML file; ImportFileError when it is not TOML or has none."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(f"{path}: not a valid TOML file ({exc})") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: not UTF-8 text") from None
    entries = document.get("announcement")
    if not isinstance(entries, list):
        return []
    return entries


class _Fields:
    """Typed access to one table's fields, collecting problems instead of raising."""

    def __init__(self, raw: dict[str, Any], prefix: str, known: tuple[str, ...], problems: list[Problem]) -> None:
        self.raw, self.prefix, self.problems = raw, prefix, problems
        for name in raw:
            if name not in known:
                problems.append(Problem("unknown_field", {"field": self.name(name)}))

    def name(self, field: str) -> str:
        """The field's dotted name in the file."""
        return f"{self.prefix}{field}"

    def _bad(self, field: str, expected: str) -> None:
        self.problems.append(Problem("bad_type", {"field": self.name(field), "expected": Label(f"announce.type.{expected}")}))

    def get(self, field: str, kind: str, default: Any = None, required: bool = False) -> Any:
        """The value converted to `kind` (integer, text, texts, boolean, date, table); default when absent."""
        if field not in self.raw:
            if required:
                self.problems.append(Problem("missing_field", {"field": self.name(field)}))
            return default
        value = self.raw[field]
        ok = {
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "text": isinstance(value, str),
            "texts": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "boolean": isinstance(value, bool),
            "table": isinstance(value, dict),
            "date": isinstance(value, date) or isinstance(value, str),
        }[kind]
        if ok and kind == "date" and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                ok = False
        if ok and kind == "date" and not type(value) is date:
            ok = False  # a TOML datetime is not a calendar date
        if not ok:
            self._bad(field, kind)
            return default
        return value.strip() if isinstance(value, str) else value


def _level(key: str, raw: Any, problems: list[Problem]) -> LevelSpec | None:
    if not (key.isascii() and key.isdigit()):
        problems.append(Problem("bad_level", {"level": key}))
        return None
    n = int(key)
    if not isinstance(raw, dict):
        problems.append(Problem("bad_type", {"field": f"levels.{key}", "expected": Label("announce.type.table")}))
        return None
    fields = _Fields(raw, f"levels.{key}.", LEVEL_FIELDS, problems)
    default_subjects = list(subject_options(n)[0]) if 1 <= n <= 5 else []
    return LevelSpec(
        level=n,
        text=fields.get("text", "text", "", required=True),
        min_years=fields.get("min_years", "integer", 0),
        prior_level=fields.get("prior_level", "integer"),
        alternative_years=fields.get("alternative_years", "integer"),
        students_exempt=fields.get("students_exempt", "boolean", False),
        min_education=fields.get("min_education", "text", "any"),
        subjects=tuple(fields.get("subjects", "texts", default_subjects)),
    )


def parse_entry(raw: Any) -> tuple[Entry | None, list[Problem]]:
    """One entry as a spec plus its type problems (the rules are checked later, against the store)."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem("bad_type", {"field": "announcement", "expected": Label("announce.type.table")})]
    fields = _Fields(raw, "", ENTRY_FIELDS, problems)
    values = {name: fields.get(name, kind, required=name in REQUIRED) for name, kind in _ENTRY_KINDS}
    levels = []
    for key, level_raw in (values["levels"] or {}).items():
        level = _level(str(key), level_raw, problems)
        if level is not None:
            levels.append(level)
    if problems:
        return None, problems
    spec = AnnouncementSpec(
        title=" ".join(values["title"].split()),
        levels=tuple(sorted(levels, key=lambda s: -s.level)),
        registration_start=values["registration_start"],
        registration_end=values["registration_end"],
        sites=tuple(" ".join(s.split()) for s in values["sites"]),
        fee_yuan=values["fee_yuan"],
    )
    return Entry(values["institution"] or None, values["occupation"], values["work_type"], spec), []


_ENTRY_KINDS = (
    ("institution", "text"), ("occupation", "text"), ("work_type", "text"), ("title", "text"), ("registration_start", "date"),
    ("registration_end", "date"), ("sites", "texts"), ("fee_yuan", "integer"), ("levels", "table"),
)


def entry_title(raw: Any) -> str:
    """The entry's title for error lines, even when the entry is broken."""
    title = raw.get("title") if isinstance(raw, dict) else None
    return title if isinstance(title, str) else ""
