"""Feedback categories: the defaults, or a commune's own list in its settings.

A commune may set ``settings["feedback"]["categories"]`` to a list of
``{"code": "...", "name": {"vi": "...", "en": "..."}, "due_days": 10, "sensitive": false}``
(name, due_days and sensitive optional; a default code keeps its catalogue name and, for
"security", its sensitivity) and ``settings["feedback"]["templates"]``
to ``{"<code>": ["reply text", ...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from locales import Translator
from services.models import Commune

DEFAULT_CODES = ("roads", "lighting", "waste", "security", "land", "water", "admin", "other")
DEFAULT_DUE_DAYS = 10
SENSITIVE_CODES = frozenset({"security"})
"""Categories whose reports show nothing of their place or text in public (Decree 13: a
report on security and order can point at a victim's home)."""


@dataclass(frozen=True)
class Category:
    code: str
    names: dict[str, str] = field(default_factory=dict)
    due_days: int = DEFAULT_DUE_DAYS
    sensitive: bool = False

    def name(self, language: str) -> str:
        if language in self.names:
            return self.names[language]
        t = Translator(language)
        key = f"feedback.cat.{self.code}"
        return t(key) if t.has(key) else self.names.get("vi", self.code)


DEFAULTS = tuple(Category(code, sensitive=code in SENSITIVE_CODES) for code in DEFAULT_CODES)


def _settings(commune: Commune | None) -> dict[str, Any]:
    return dict((commune.settings or {}).get("feedback") or {}) if commune else {}


def categories_for(commune: Commune | None) -> list[Category]:
    configured = _settings(commune).get("categories")
    if not configured:
        return list(DEFAULTS)
    found = []
    for entry in configured:
        item: dict[str, Any] = {"code": entry} if isinstance(entry, str) else dict(entry)
        code = str(item["code"])
        sensitive = item.get("sensitive")
        found.append(Category(code, dict(item.get("name") or {}),
                              int(item.get("due_days") or DEFAULT_DUE_DAYS),
                              code in SENSITIVE_CODES if sensitive is None else bool(sensitive)))
    return found


def category_of(commune: Commune | None, code: str) -> Category | None:
    return next((c for c in categories_for(commune) if c.code == code), None)


def is_sensitive(commune: Commune | None, code: str) -> bool:
    """An unknown code (a category since removed) is treated as sensitive: show less."""
    category = category_of(commune, code)
    return category.sensitive if category is not None else True


def category_name(commune: Commune | None, code: str, language: str) -> str:
    category = category_of(commune, code) or Category(code)
    return category.name(language)


def templates_for(commune: Commune | None, code: str, language: str) -> list[str]:
    """Reply templates for a category: the commune's own, else the catalogue's."""
    own = (_settings(commune).get("templates") or {}).get(code)
    if own:
        return [str(text) for text in own]
    t = Translator(language)
    specific = f"feedback.tpl.{code}"
    texts = [t(specific)] if t.has(specific) else []
    return [*texts, t("feedback.tpl.generic_visit"), t("feedback.tpl.generic_done")]
