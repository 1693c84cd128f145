"""Check one certificate roster row (K1, K2, R5, L1) and its filed scope (L5); pure, no store access.

`check_row` turns the cells of a row (in `cert_roster_read.FIELDS` order) into a normalized `RosterRow` or a list
of `Problem`s; `ScopeChecker` checks that the evaluation body is an institution that filed the occupation (工种) and
level. Problems carry a code (`cert_import.problem.<code>`) and params that never hold personal data.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, NamedTuple

from openpyxl.utils.datetime import from_excel

from bot.normalize import compact, id_like, person_name
from bot.rules import id_numbers
from bot.rules.cert_numbers import certificate_format, parse_k2
from bot.rules.id_types import RESIDENT_ID
from bot.rules.identity import EARLIEST_BIRTH, RESIDENT_PROVINCES, IdProblem, parse_id
from bot.services.cert_roster_read import REQUIRED, Cell, Vocabulary
from flows.replies import Label
from storage.models import Certificate

# Every problem code a row can have, in the order they are checked (each has `cert_import.problem.<code>`).
PROBLEM_CODES = (
    "missing_field",
    "too_long",
    "bad_id_type",
    "bad_id_checksum",
    "bad_id_birth_date",
    "bad_id_number",
    "bad_level",
    "bad_number",
    "level_mismatch",
    "bad_date",
    "future_date",
    "unknown_evaluator",
    "unknown_occupation",
    "level_not_filed",
    "duplicate_in_file",
    "conflict",
)
# Roster column → Certificate column, for the stored lengths.
_COLUMNS = {
    "name": "holder_name", "work_unit": "work_unit", "occupation": "occupation", "work_type": "work_type",
    "number": "number", "evaluator": "evaluator", "issuer": "issuer",
}
LIMITS: dict[str, int] = {f: int(getattr(Certificate.__table__.c[c].type, "length", 0) or 0) for f, c in _COLUMNS.items()}  # type: ignore[attr-defined]
_LIMITED = ("name", "work_unit", "occupation", "work_type", "number", "evaluator", "issuer")
_LIMIT_VALUES = tuple(LIMITS[f] for f in _LIMITED)
_ID_PROBLEMS = {"bad_checksum": "bad_id_checksum", "bad_birth_date": "bad_id_birth_date"}
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE = re.compile(r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(?:T?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$")  # spaces removed
_DATE_DIGITS = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_RESIDENT_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_DIGIT_WEIGHT = 48 * sum(id_numbers.WEIGHTS)  # the weighted sum of the character codes of "0" × 17
EXCEL_SERIALS = (20000, 80000)  # numbers in this range in a date column are Excel day serials (1954…2119)


def column(name: str) -> Label:
    """The localized name of a roster column."""
    return Label(f"cert_import.col.{name}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of one row (row 0: the whole file); `params` never hold personal data."""

    row: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class RosterRow(NamedTuple):
    """A checked roster row, normalized as it is stored (a named tuple: millions are made in a bulk import)."""

    row: int
    holder_name: str
    id_type: str
    id_number: str
    work_unit: str
    occupation: str
    work_type: str
    level: int
    number: str
    issue_date: date
    evaluator: str
    issuer: str


def text(value: Cell) -> str:
    """A cell as trimmed text with inner whitespace collapsed (whole numbers without “.0”)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value)


def parse_date(value: Cell) -> date | None:
    """An issue date: an Excel date or day serial, or text 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日, 20240630."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]:
            converted = from_excel(value)
            return converted.date() if isinstance(converted, datetime) else None
        value = text(value)
    if not isinstance(value, str):
        return None
    if _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    raw = compact(value)
    match = _DATE.match(raw) or _DATE_DIGITS.match(raw)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _resident_ok(number: str, today: date) -> bool:
    """Fast path for the common case: a well-formed 居民身份证 number (the same checks as `parse_id`, minus age).

    The MOD 11-2 sum is taken over the character codes in one C-level pass (minus the codes of the zeros).
    """
    if not _RESIDENT_SHAPE.match(number) or int(number[:2]) not in RESIDENT_PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(map(operator.mul, id_numbers.WEIGHTS, number[:17].encode("ascii"))) - _DIGIT_WEIGHT
    return EARLIEST_BIRTH <= born <= today and id_numbers.CHECK_CHARS[total % 11] == number[17]


def id_problem(id_type: str, number: str, today: date) -> str | None:
    """The problem code of an ID number of this R5 type (GB 11643 checks for 201), or None when it is valid.

    The minimum working age of the application form is not a roster rule: certificates are checked as issued.
    """
    if id_type == RESIDENT_ID and _resident_ok(number, today):
        return None
    try:
        parse_id(id_type, number, today)
    except IdProblem as problem:
        return None if problem.code == "too_young" else _ID_PROBLEMS.get(problem.code, "bad_id_number")
    return None


def _id_text(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return id_like(value) if isinstance(value, str) else text(value)


def check_row(row: int, values: tuple[Cell, ...], vocab: Vocabulary, today: date) -> RosterRow | list[Problem]:
    """Normalize and check one row's cells (FIELDS order); the scope (L5) and the store are checked elsewhere."""
    raw_name, raw_type, raw_id, raw_unit, raw_occupation, raw_work_type, raw_level, raw_number, raw_date, raw_evaluator, raw_issuer = values
    name = person_name(raw_name) if isinstance(raw_name, str) else text(raw_name)
    type_text, level_text = text(raw_type), text(raw_level)
    id_number, number = _id_text(raw_id), _id_text(raw_number)
    unit, occupation, work_type = text(raw_unit), text(raw_occupation), text(raw_work_type)
    evaluator, issuer = text(raw_evaluator), text(raw_issuer)
    dated = not _blank_cell(raw_date)
    problems: list[Problem] = []
    required = (name, type_text, id_number, occupation, level_text, number, dated, evaluator, issuer)
    if not all(required):
        problems += [Problem(row, "missing_field", {"column": column(f)}) for f, v in zip(REQUIRED, required) if not v]
    limited = (name, unit, occupation, work_type, number, evaluator, issuer)
    if not all(map(operator.le, map(len, limited), _LIMIT_VALUES)):
        problems += [
            Problem(row, "too_long", {"column": column(f), "limit": LIMITS[f]}) for f, v in zip(_LIMITED, limited) if len(v) > LIMITS[f]
        ]
    id_type = vocab.id_type(type_text) if type_text else None
    if type_text and id_type is None:
        problems.append(Problem(row, "bad_id_type"))
    if id_type is not None and id_number:
        code = id_problem(id_type, id_number, today)
        if code is not None:
            problems.append(Problem(row, code, {"id_type": Label(f"id_type.{id_type}")}))
    level = vocab.level(level_text) if level_text else None
    if level_text and level is None:
        problems.append(Problem(row, "bad_level"))
    if number:
        k2 = parse_k2(number)  # the national format first: most numbers are K2, and its level digit is checked
        if k2 is None and certificate_format(number) is None:
            problems.append(Problem(row, "bad_number"))
        elif k2 is not None and level is not None and k2.level != level:
            params = {"number_level": Label(f"level.{k2.level}"), "level": Label(f"level.{level}")}
            problems.append(Problem(row, "level_mismatch", params))
    issued = parse_date(raw_date) if dated else None
    if dated and issued is None:
        problems.append(Problem(row, "bad_date"))
    elif issued is not None and issued > today:
        problems.append(Problem(row, "future_date", {"date": issued.isoformat()}))
    if problems:
        return problems
    assert id_type is not None and level is not None and issued is not None
    return RosterRow(row, name, id_type, id_number, unit, occupation, work_type, level, number, issued, evaluator, issuer)


def _blank_cell(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def match_key(value: str) -> str:
    """How names of bodies and occupations are compared: NFKC, no spaces, case-folded."""
    return compact(value).casefold()


@dataclass(frozen=True)
class FiledOccupation:
    """An occupation (工种) an institution filed, with its levels (L5)."""

    institution_id: int
    name: str
    code: str
    work_type: str
    levels: frozenset[int]


class ScopeChecker:
    """Checks rows against the filed scope (L5): body by name or code, its occupation and work type, the level."""

    def __init__(self, bodies: Iterable[tuple[int, str, str]], filed: Iterable[FiledOccupation]) -> None:
        self._bodies: dict[str, int] = {}
        for institution_id, code, name in bodies:
            self._bodies.setdefault(match_key(name), institution_id)
            self._bodies.setdefault(match_key(code), institution_id)
        self._filed: dict[tuple[int, str], list[FiledOccupation]] = {}
        for occupation in filed:
            for key in {match_key(occupation.name), match_key(occupation.code)}:
                self._filed.setdefault((occupation.institution_id, key), []).append(occupation)
        self._seen: dict[tuple[str, str, str, int], Problem | None] = {}

    def check(self, row: RosterRow) -> Problem | None:
        """The scope problem of a row, or None (results are remembered per body, occupation, work type and level)."""
        key = (row.evaluator, row.occupation, row.work_type, row.level)
        if key not in self._seen:
            self._seen[key] = self._check(row)
        found = self._seen[key]
        return None if found is None else Problem(row.row, found.code, found.params)

    def _check(self, row: RosterRow) -> Problem | None:
        body = self._bodies.get(match_key(row.evaluator))
        if body is None:
            return Problem(row.row, "unknown_evaluator", {"name": row.evaluator})
        candidates = self._filed.get((body, match_key(row.occupation)), [])
        if row.work_type:
            candidates = [c for c in candidates if match_key(c.work_type) == match_key(row.work_type)]
        if not candidates:
            return Problem(row.row, "unknown_occupation", {"occupation": row.occupation, "work_type": row.work_type})
        if not any(row.level in c.levels for c in candidates):
            return Problem(row.row, "level_not_filed", {"occupation": row.occupation, "level": Label(f"level.{row.level}")})
        return None
