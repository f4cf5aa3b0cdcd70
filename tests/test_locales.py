"""Every user-visible string is in both catalogues, and every key the code uses exists."""

import re
from pathlib import Path

from handlers.home import MENU_ENTRIES
from locales import LANGUAGES, Translator, catalogue
from services.models import ROLES
from services.surveys.stats import fmt_mean, fmt_pct
from services.text import decimal

ROOT = Path(__file__).resolve().parents[1]
KEY_USE = re.compile(r"""\b(?:say|t|ctx\.t|_t)\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")


def test_languages_have_the_same_keys() -> None:
    """Save English's `_one` variants (its singular: "1 working day")."""
    vi = set(catalogue("vi"))
    en = {key for key in catalogue("en") if not (key.endswith("_one") and key[:-4] in vi)}
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


# The register (locales/STYLE.md): what a machine can check.
BANNED_PARTICLES = re.compile(r"\b(nhé|nha|nhá|nè|ạ|dạ)\b", re.IGNORECASE)
DECIMAL_COMMA = re.compile(r"\d,\d{1,2}(?!\d)")


def test_no_chatty_particle_in_vietnamese() -> None:
    found = {key: text for key, text in catalogue("vi").items() if BANNED_PARTICLES.search(text)}
    assert found == {}, f"chatty particles (locales/STYLE.md rule 3): {found}"


def test_the_particle_check_catches_them() -> None:
    for text in ("Bạn gửi lại giúp nhé.", "Xong nha", "Dạ, không có gì ạ!", "ạ nhé"):
        assert BANNED_PARTICLES.search(text), text
    for text in ("bản nháp", "nhà văn hóa", "Hà Nội"):
        assert not BANNED_PARTICLES.search(text), text


def test_english_reads_as_english() -> None:
    for key, text in catalogue("en").items():
        assert not DECIMAL_COMMA.search(text), f"decimal comma in {key}: {text}"
        assert "(s)" not in text, f"write the plural and a `{key}_one` variant: {text}"


def test_english_counts_and_decimals_at_rendering() -> None:
    en, vi = Translator("en"), Translator("vi")
    assert en("procedures.time_days", days="1") == "1 working day"
    assert en("procedures.time_days", days="3") == "3 working days"
    assert en("procedures.time_days", days=decimal(1.5, "en")) == "1.5 working days"
    assert vi("procedures.time_days", days=decimal(1.5, "vi")) == "1,5 ngày làm việc"
    assert en("filing.expected_one", date="x", days="1").endswith("(1 working day after the "
                                                                  "dossier is received).")
    assert fmt_pct(0.625, "en") == "62.5%" and fmt_mean(4.25, "en") == "4.25"
    assert fmt_pct(0.625) == "62,5%"
