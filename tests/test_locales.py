"""Every user-visible string is in both catalogues, and every key the code uses exists."""

import re
from pathlib import Path

from handlers.home import MENU_ENTRIES
from locales import LANGUAGES, Translator, catalogue
from services.models import ROLES

ROOT = Path(__file__).resolve().parents[1]
KEY_USE = re.compile(r"""\b(?:say|t|ctx\.t|_t)\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")


def test_languages_have_the_same_keys() -> None:
    vi, en = set(catalogue("vi")), set(catalogue("en"))
    assert vi - en == set(), f"missing in en: {sorted(vi - en)}"
    assert en - vi == set(), f"missing in vi: {sorted(en - vi)}"


def test_no_empty_message() -> None:
    for language in LANGUAGES:
        empty = [k for k, v in catalogue(language).items() if not v.strip()]
        assert empty == [], f"{language}: empty {empty}"


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for folder in ("bot", "handlers", "services"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(KEY_USE.findall(path.read_text(encoding="utf-8")))
    used |= {f"menu.{name}" for name in MENU_ENTRIES} | {f"roles.{role}" for role in ROLES}
    assert len(used) > 30
    for language in LANGUAGES:
        missing = sorted(key for key in used if key not in catalogue(language))
        assert missing == [], f"{language}: {missing}"


def test_placeholders_agree_between_languages() -> None:
    field = re.compile(r"\{(\w+)\}")
    for key, text in catalogue("vi").items():
        assert set(field.findall(text)) == set(field.findall(catalogue("en")[key])), key


def test_translator_falls_back_to_default_language() -> None:
    assert Translator("fr").language == "vi"
    assert Translator("en")("common.yes") == "Yes"
