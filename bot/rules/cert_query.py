"""Values of a certificate query (DOMAIN K3): which of certificate number, holder name, ID number a typed value is.

Pure and total: every function accepts any string and never raises. Values are normalized first (full-width →
ASCII, spaces, lower-case x → X, middle dots `·•‧∙・` unified, spaces inside Chinese names removed), then recognized:
a certificate number is anything a validator in `cert_numbers.VALIDATORS` accepts; an ID number is an 18-character
GB 11643 number with a correct check character (居民身份证, 港澳台居民居住证, the new 外国人永久居留身份证) or, when it is
not a certificate number, 8-20 letters and digits with at least one digit (passports, permits, older foreign IDs);
a name is 1-40 CJK or Latin letters with middle dots (Latin names may hold spaces, hyphens and apostrophes).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass

from bot.normalize import id_like, nfkc, person_name
from bot.rules import id_numbers
from bot.rules.cert_numbers import certificate_format

NUMBER, NAME, ID = "number", "name", "id"
# Outcomes of a query (stored in `cert_query.outcome`): only NO_MATCH counts towards the per-user limit.
FOUND, DELETED, NO_MATCH, LIMITED = "found", "deleted", "nomatch", "limited"
KINDS = (NUMBER, NAME, ID)  # also the canonical order of a pair
NAME_MAX = 40
INPUT_MAX = 200  # a longer message is not a query value
FOREIGN_ID_LENGTHS = range(8, 21)

# Why a typed value is not usable (one localized hint each).
PROBLEMS = ("too_long", "bad_number", "bad_resident_id", "old_15_digit", "too_many", "ambiguous", "unrecognized")

_SEPARATORS = re.compile(r"[,;、|/\n]+")  # after NFKC: ， → ,  ； → ;
_GB11643 = re.compile(r"[0-9]{17}[0-9X]")
_RESIDENT_LIKE = re.compile(r"[0-9]{17}[A-Z]?")  # a resident ID number one character short or with a wrong check letter
_PERMANENT_NEW = re.compile(r"9[0-9]{16}[0-9X]")  # 外国人永久居留身份证 (2023 版)
_K2_LIKE = re.compile(r"[SY][0-9]{17,25}")  # the shape of a national certificate number with a typo in it
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NAME_MARKS = frozenset(" ·'-.")
_CJK_THEN_ASCII = re.compile(r"^([^\x00-\x7f]+)([\x21-\x7e]+)$")
_ASCII_THEN_CJK = re.compile(r"^([\x21-\x7e]+)([^\x00-\x7f]+)$")


@dataclass(frozen=True)
class QueryValue:
    """A recognized, normalized value: its kind (number, name, id) and the value itself."""

    kind: str
    value: str


@dataclass(frozen=True)
class Unrecognized:
    """Input that is not a usable value: `problem` is one of PROBLEMS."""

    problem: str


@dataclass(frozen=True)
class SameKind:
    """Two values of one kind where two different kinds are needed."""

    kind: str


@dataclass(frozen=True)
class QueryPair:
    """Two values of different kinds, in the order of KINDS."""

    first: QueryValue
    second: QueryValue

    @property
    def kinds(self) -> str:
        """The kinds joined with '+', e.g. `number+name` (stored with each query)."""
        return f"{self.first.kind}+{self.second.kind}"

    def get(self, kind: str) -> str | None:
        """The value of one kind, or None when the pair has no value of that kind."""
        return next((v.value for v in (self.first, self.second) if v.kind == kind), None)

    def key(self) -> list[list[str]]:
        """Plain JSON form, used to check that looked-up facts belong to this pair."""
        return [[self.first.kind, self.first.value], [self.second.kind, self.second.value]]


Parsed = tuple[QueryValue, ...] | Unrecognized | SameKind


def make_pair(a: QueryValue, b: QueryValue) -> QueryPair | None:
    """The pair of two values of different kinds; None when they are of the same kind."""
    if a.kind == b.kind or a.kind not in KINDS or b.kind not in KINDS:
        return None
    first, second = sorted((a, b), key=lambda v: KINDS.index(v.kind))
    return QueryPair(first, second)


def name_form(raw: str) -> str:
    """A personal name normalized (`normalize.person_name`); in a Chinese name a '.' is a middle dot too."""
    value = person_name(raw)
    if _CJK.search(value):
        value = value.replace(".", "·")
    return value.strip(" ·")


def name_key(name: str) -> str:
    """The form two names are compared in: normalized and case-folded."""
    return name_form(name).casefold()


def same_name(stored: str, typed: str) -> bool:
    """True when a stored holder name and a typed one are the same name (constant-time comparison)."""
    return hmac.compare_digest(name_key(stored).encode("utf-8"), name_key(typed).encode("utf-8"))


def _is_name_char(char: str) -> bool:
    if char in _NAME_MARKS or _CJK.match(char):
        return True
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def _as_name(raw: str) -> QueryValue | None:
    value = name_form(raw)
    if not 1 <= len(value) <= NAME_MAX or not any(c.isalpha() for c in value):
        return None
    if not all(_is_name_char(c) for c in value):
        return None
    return QueryValue(NAME, value)


def _as_number_or_id(raw: str) -> QueryValue | Unrecognized | None:
    """A certificate number or ID number; a problem when it looks like one but is not; None for anything else."""
    value = id_like(raw)
    if not value or not value.isascii() or not value.isalnum():
        return None
    if certificate_format(value) is not None:
        return QueryValue(NUMBER, value)
    if _GB11643.fullmatch(value):
        permanent = _PERMANENT_NEW.fullmatch(value) and id_numbers.check_char(value[:17]) == value[17]
        if id_numbers.is_valid_resident_id(value) or permanent:
            return QueryValue(ID, value)
        return Unrecognized("bad_resident_id")
    if value.isdigit() and len(value) == 15:
        return Unrecognized("old_15_digit")
    if _RESIDENT_LIKE.fullmatch(value):
        return Unrecognized("bad_resident_id")
    if _K2_LIKE.fullmatch(value):
        return Unrecognized("bad_number")
    if len(value) in FOREIGN_ID_LENGTHS and any(c.isdigit() for c in value):
        return QueryValue(ID, value)
    return None


def classify(raw: str) -> QueryValue | Unrecognized:
    """Recognize one typed value as a certificate number, ID number or name, or say why it is none of them."""
    text = nfkc(raw).strip()
    if len(text) > INPUT_MAX:
        return Unrecognized("too_long")
    if not text:
        return Unrecognized("unrecognized")
    found = _as_number_or_id(text)
    if isinstance(found, QueryValue):
        return found
    named = _as_name(text)
    if named is not None:
        return named
    return found if found is not None else Unrecognized("unrecognized")


def _two(left: str, right: str) -> QueryPair | SameKind | Unrecognized:
    a, b = classify(left), classify(right)
    if isinstance(a, Unrecognized):
        return a
    if isinstance(b, Unrecognized):
        return b
    pair = make_pair(a, b)
    return pair if pair is not None else SameKind(a.kind)


def _specific(problems: list[Unrecognized | SameKind]) -> Unrecognized | SameKind | None:
    """The most telling reason a split failed: a value of the same kind twice, or a value that looks almost right."""
    same = next((p for p in problems if isinstance(p, SameKind)), None)
    if same is not None:
        return same
    return next((p for p in problems if isinstance(p, Unrecognized) and p.problem != "unrecognized"), None)


def _inner_spaces(left: str, right: str, pair: QueryPair) -> int:
    """Spaces inside the number/ID parts of a cut: fewer is likelier ("John Smith E1234567" is a name and a passport)."""
    name = pair.get(NAME)
    return sum(part.count(" ") for part in (left, right) if name is None or name_form(part) != name)


def _splits(text: str) -> list[tuple[str, str]]:
    """Ways to cut a message without separators in two: at each run of spaces, or where Chinese meets ASCII."""
    tokens = text.split()
    cuts = [(" ".join(tokens[:i]), " ".join(tokens[i:])) for i in range(1, len(tokens))]
    if len(tokens) == 1:
        for pattern in (_CJK_THEN_ASCII, _ASCII_THEN_CJK):
            match = pattern.match(tokens[0])
            if match:
                cuts.append((match.group(1), match.group(2)))
    return cuts


def parse_values(raw: str) -> Parsed:
    """One message as query values: none, one, or two of different kinds (separated by a comma, semicolon or space).

    Without a separator every cut at a space is tried (a Latin name or a spaced ID number may hold spaces); a single
    value is taken when no cut gives two values of different kinds. Never raises.
    """
    text = nfkc(raw).strip()
    if not text:
        return ()
    if len(text) > INPUT_MAX:
        return Unrecognized("too_long")
    parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    if len(parts) > 2:
        return Unrecognized("too_many")
    if len(parts) == 2:
        two = _two(parts[0], parts[1])
        return (two.first, two.second) if isinstance(two, QueryPair) else two
    pairs: dict[tuple[str, ...], tuple[int, QueryPair]] = {}
    problems: list[Unrecognized | SameKind] = []
    for left, right in _splits(text):
        two = _two(left, right)
        if isinstance(two, QueryPair):
            pairs[(two.first.value, two.second.value)] = (_inner_spaces(left, right, two), two)
        else:
            problems.append(two)
    if pairs:
        fewest = min(spaces for spaces, _ in pairs.values())
        best = [pair for spaces, pair in pairs.values() if spaces == fewest]
        return (best[0].first, best[0].second) if len(best) == 1 else Unrecognized("ambiguous")
    whole = classify(text)
    if isinstance(whole, QueryValue):
        return (whole,)
    return _specific(problems) or whole
