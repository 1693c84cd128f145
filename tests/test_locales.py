"""Every user-facing key exists in every locale, and every key used in code exists."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.i18n import DuplicateKey, I18n
from bot.rules.cert_query import KINDS as CERT_QUERY_KINDS
from bot.rules.cert_query import PROBLEMS as CERT_QUERY_PROBLEMS
from bot.rules.eligibility import REFUSAL_ORDER
from bot.rules.id_types import ID_TYPES
from bot.rules.identity import PROBLEM_CODES
from flows import apply
from flows.context import FlowContext
from flows.commands import LOCALES
from flows.menu import COMMANDS, INVITABLE_ROLES, ROLES

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "flows", "handlers")
KEY_CALLS = {"Text", "Label", "text", "button", "render"}


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


def _literal_keys() -> set[str]:
    """String literals passed as the key of Text(...), Label(...), render(locale, ...) in the code."""
    keys: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name not in KEY_CALLS:
                    continue
                args = node.args[1:] if name == "render" else node.args
                if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    keys.add(args[0].value)
                for kw in node.keywords:
                    if kw.arg == "key" and isinstance(kw.value, ast.Constant):
                        keys.add(str(kw.value.value))
    return {k for k in keys if re.fullmatch(r"[a-z_]+(\.[a-zA-Z0-9_]+)+", k)}


def _dynamic_keys() -> set[str]:
    """Keys built at run time from tables: roles, commands, languages, hints, invite outcomes."""
    keys = {f"start.welcome_{r}" for r in ROLES} | {f"role.{r}" for r in ROLES}
    keys |= {f"cmd.{c}" for cmds in COMMANDS.values() for c in cmds}
    keys |= {f"lang.name_{code}" for code in LOCALES}
    keys |= {f"hint.expected_{k}" for k in ("text", "button", "contact", "photo")}
    keys |= {f"invite.{s}" for s in ("ok", "invalid", "expired", "used")}
    keys |= {f"role.{r}" for r in INVITABLE_ROLES}
    keys |= {f"apply.refused.{code}" for code in REFUSAL_ORDER} | {f"apply.id.{code}" for code in PROBLEM_CODES}
    keys |= {f"id_type.{t.code}" for t in ID_TYPES} | {f"level.{n}" for n in apply.LEVELS}
    keys |= {f"education.{k}" for k in apply.EDUCATION} | {f"category.{k}" for k in apply.CATEGORIES}
    keys |= {f"held.{k}" for k in apply.HELD} | {f"title_level.{k}" for k in apply.TITLE_LEVELS}
    keys |= {f"gender.{g}" for g in ("male", "female")} | {f"yesno.{a}" for a in ("yes", "no")}
    keys |= {c.label.key for c in apply.subject_choices(_conditions_ctx(), {"announcement": "1", "level": "1"})}
    keys |= {s.prompt for s in apply.APPLY_FORM.steps} | {s.label for s in apply.APPLY_FORM.steps}
    keys |= {f"cert.problem.{p}" for p in CERT_QUERY_PROBLEMS}
    keys |= {f"cert.{group}.{kind}" for group in ("kind", "others") for kind in CERT_QUERY_KINDS}
    return keys


def _conditions_ctx() -> FlowContext:
    """A context whose only announcement offers all three subjects, so every subject label is listed."""
    announcement = {"id": 1, "levels": [1], "conditions": {"1": {"subjects": list(apply.SUBJECTS)}}}
    facts = {"apply": {"announcements": [announcement]}}
    return FlowContext(1, 1, "candidate", "zh_CN", datetime.now(timezone.utc), facts)


def test_both_locales_exist(i18n: I18n) -> None:
    assert {"zh_CN", "en"} <= set(i18n.locales)


def test_catalogues_have_the_same_keys(i18n: I18n) -> None:
    zh, en = set(i18n.catalogues["zh_CN"]), set(i18n.catalogues["en"])
    assert not zh - en, f"missing in en: {sorted(zh - en)}"
    assert not en - zh, f"missing in zh_CN: {sorted(en - zh)}"


def test_templates_exist_in_both_locales(i18n: I18n) -> None:
    assert i18n.template_names("zh_CN") == i18n.template_names("en")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_key_used_in_code_exists(i18n: I18n, locale: str) -> None:
    used = _literal_keys() | _dynamic_keys()
    assert len(used) > 40, "the key scan found suspiciously few keys"
    missing = sorted(k for k in used if not i18n.has(locale, k))
    assert not missing, f"{locale} lacks {missing}"


def test_missing_key_detection_really_fails(tmp_path: Path) -> None:
    for code, body in {"zh_CN": 'a = "甲"\nb = "乙"\n', "en": 'a = "A"\n'}.items():
        (tmp_path / code / "templates").mkdir(parents=True)
        (tmp_path / code / "messages.toml").write_text(body, encoding="utf-8")
    broken = I18n(root=tmp_path)
    assert set(broken.catalogues["zh_CN"]) - set(broken.catalogues["en"]) == {"b"}
    assert not broken.has("en", "b")


def test_feature_catalogues_merge_and_clashes_fail(tmp_path: Path) -> None:
    for code in ("zh_CN", "en"):
        (tmp_path / code / "templates").mkdir(parents=True)
        (tmp_path / code / "messages.toml").write_text('a = "A"\n', encoding="utf-8")
        (tmp_path / code / "tickets.toml").write_text('[ticket]\nb = "B"\n', encoding="utf-8")
    assert I18n(root=tmp_path).render("en", "ticket.b") == "B"
    (tmp_path / "en" / "extra.toml").write_text('a = "again"\n', encoding="utf-8")
    with pytest.raises(DuplicateKey):
        I18n(root=tmp_path)
