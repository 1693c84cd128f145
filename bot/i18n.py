"""Message catalogues (TOML files per locale) and jinja2 templates; renders neutral labels to text."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping

import jinja2

from flows.replies import Label

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def _flatten(prefix: str, tree: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


class DuplicateKey(ValueError):
    """The same key defined in two catalogue files of one locale."""


def load_catalogue(folder: Path) -> dict[str, str]:
    """Every `*.toml` file of a locale folder (`messages.toml` plus one file per feature), flattened."""
    merged: dict[str, str] = {}
    for catalogue in sorted(folder.glob("*.toml")):
        flat: dict[str, str] = {}
        _flatten("", tomllib.loads(catalogue.read_text(encoding="utf-8")), flat)
        clash = sorted(set(flat) & set(merged))
        if clash:
            raise DuplicateKey(f"{catalogue}: keys already defined in {folder.name}: {clash[:5]}")
        merged.update(flat)
    return merged


class MissingKey(KeyError):
    """A key absent from a locale's catalogue and templates."""


class I18n:
    """All locales loaded once; `render` turns a key with params into the final string."""

    def __init__(self, root: Path = LOCALES_DIR, default: str = "zh_CN") -> None:
        self.root = root
        self.default = default
        self.catalogues: dict[str, dict[str, str]] = {}
        self._envs: dict[str, jinja2.Environment] = {}
        self._compiled: dict[tuple[str, str], jinja2.Template] = {}
        for path in sorted(root.iterdir()):
            if not (path / "messages.toml").is_file():
                continue
            self.catalogues[path.name] = load_catalogue(path)
            self._envs[path.name] = jinja2.Environment(
                loader=jinja2.FileSystemLoader(path / "templates"),
                autoescape=False,
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=False,
                trim_blocks=True,
                lstrip_blocks=True,
            )
        if default not in self.catalogues:
            raise ValueError(f"default locale {default!r} has no catalogue under {root}")

    @property
    def locales(self) -> list[str]:
        """Available locale codes."""
        return sorted(self.catalogues)

    def resolve(self, locale: str | None) -> str:
        """A supported locale for the given code (falls back to the default)."""
        return locale if locale in self.catalogues else self.default

    def template_names(self, locale: str) -> list[str]:
        """Names of jinja2 templates (without .j2) in a locale."""
        folder = self.root / locale / "templates"
        return sorted(p.stem for p in folder.glob("*.j2")) if folder.is_dir() else []

    def has(self, locale: str, key: str) -> bool:
        """True when the key exists in the locale's catalogue or templates."""
        return key in self.catalogues.get(locale, {}) or key in self.template_names(locale)

    def render(self, locale: str | None, key: str, params: Mapping[str, Any] | None = None) -> str:
        """Render a catalogue entry or template with params; nested Labels are rendered too."""
        loc = self.resolve(locale)
        env = self._envs[loc]
        values = {k: self._value(loc, v) for k, v in (params or {}).items()}
        return self._template(loc, env, key).render(**values).strip()

    def _template(self, loc: str, env: jinja2.Environment, key: str) -> jinja2.Template:
        cached = self._compiled.get((loc, key))
        if cached is not None:
            return cached
        source = self.catalogues[loc].get(key)
        if source is not None:
            template = env.from_string(source)
        else:
            try:
                template = env.get_template(f"{key}.j2")
            except jinja2.TemplateNotFound as exc:
                raise MissingKey(f"{loc}:{key}") from exc
        self._compiled[(loc, key)] = template
        return template

    def label(self, locale: str | None, label: Label) -> str:
        """Render one Label."""
        if label.raw is not None:
            return label.raw
        return self.render(locale, label.key, label.params)

    def _value(self, locale: str, value: Any) -> Any:
        if isinstance(value, Label):
            return self.label(locale, value)
        if isinstance(value, dict):
            return {k: self._value(locale, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._value(locale, v) for v in value]
        return value
