"""Every user-visible string is in both catalogues, and every key the code uses exists."""

import re
from pathlib import Path

from handlers.format import money, quoted
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


# Rule 5: officials (the operations room, official-only commands) are "anh/chị", citizens
# "bạn"; a text both may read (errors, common words) addresses no one.
OFFICIALS_KEYS = re.compile(
    r"(admin|audit|documents|groups|invites|notices|officials|ops|province|report|roles|stats"
    r"|help\.official_title|feedback\.(admin|official|digest)"
    r"|procedures\.(qr_usage|qr_caption|help_qr)"
    r"|filing\.(status_usage|status_set|status_not_told|status_code_unknown|funnel_\w+|help_\w+)"
    r"|surveys\.(help|need_commune|list|list_empty|new|pick_template|tpl\.\w+\.button"
    r"|tpl\.custom|ask_\w+|kind\.\w+|question_added|add_question|done|next|use_buttons"
    r"|target\.\w+|delivery\.\w+|days|preview_\w+|status\.\w+|open|close|results|copy"
    r"|opened|scheduled|closed_now|copied|cancelled_kept|results_\w+|aspect\.\w+"
    r"|err\.(not_found|no_question|no_title|bad_kind|choice_options|close_before_open"
    r"|closes_in_past|bad_target|no_delivery|not_draft|already_closed|unknown_template"
    r"|bad_date)))(\.|$)")
SHARED_KEYS = re.compile(r"(errors|common)\.")
CITIZEN_YOU = re.compile(r"\b[Bb]ạn\b")
OFFICIAL_YOU = re.compile(r"\b[Aa]nh/chị\b")


def test_officials_are_anh_chi_and_citizens_ban() -> None:
    vi = catalogue("vi")
    officials = {k: v for k, v in vi.items() if OFFICIALS_KEYS.match(k)}
    assert len(officials) > 400
    assert {k: v for k, v in officials.items() if CITIZEN_YOU.search(v)} == {}, \
        "an official is «anh/chị» (locales/STYLE.md rule 5)"
    shared = {k: v for k, v in vi.items() if SHARED_KEYS.match(k)}
    assert {k: v for k, v in shared.items()
            if CITIZEN_YOU.search(v) or OFFICIAL_YOU.search(v)} == {}, \
        "a text citizens and officials both read addresses no one"
    citizens = {k: v for k, v in vi.items() if k not in officials and k not in shared}
    assert {k: v for k, v in citizens.items() if OFFICIAL_YOU.search(v)} == {}, \
        "a citizen is «bạn» (locales/STYLE.md rule 1)"


def test_the_audience_check_tells_officials_from_citizens() -> None:
    for key in ("notices.ask_text", "surveys.opened", "surveys.err.bad_date", "ops.title",
                "feedback.admin.not_found", "filing.status_usage", "documents.what_next"):
        assert OFFICIALS_KEYS.match(key), key
    for key in ("surveys.invite", "surveys.err.closed", "surveys.thanks", "feedback.ask_category",
                "filing.status_need_more", "onboarding.consent", "surveys.tpl.comment",
                "surveys.opened_extra", "feedback.administrative"):
        assert not OFFICIALS_KEYS.match(key), key
    assert CITIZEN_YOU.search("Mời bạn gõ.") and CITIZEN_YOU.search("Bạn chưa chọn.")
    assert not CITIZEN_YOU.search("bản nháp") and not CITIZEN_YOU.search("Bản tin")


def test_thon_so_names_itself() -> None:
    """Rule 6: never "bot", "tôi", "mình" or "em" for itself; "trợ lý" neither."""
    named = re.compile(r"\b([Bb]ot|[Tt]rợ lý)\b")
    for language in LANGUAGES:
        found = {k: v for k, v in catalogue(language).items()
                 if named.search(v) or re.search(r"\b(the )?assistant\b", v)}
        assert found == {}, f"{language}: {found}"


VIETNAMESE_MONEY = re.compile(r"\d\.\d{3}(?:\.\d{3})*\s?(?:đ|₫|VNĐ)(?!\w)")


def test_english_reads_as_english() -> None:
    """Rule 11: English quotes are “…”; money is "50,000 VND", never "50.000 đ"."""
    for key, text in catalogue("en").items():
        assert not DECIMAL_COMMA.search(text), f"decimal comma in {key}: {text}"
        assert "(s)" not in text, f"write the plural and a `{key}_one` variant: {text}"
        assert "«" not in text and "»" not in text, f"English quotes are “…” in {key}: {text}"
        assert not VIETNAMESE_MONEY.search(text), f"Vietnamese money in {key}: {text}"
    assert money(50000, "en") == "50,000 VND" and money(1250000) == "1.250.000 đ"
    assert quoted("tất cả", "en") == "“tất cả”" and quoted("tất cả", "vi") == "«tất cả»"
    assert VIETNAMESE_MONEY.search("Phí 50.000 đ.") and VIETNAMESE_MONEY.search("2.000.000₫")
    assert not VIETNAMESE_MONEY.search("50.000 đồng") and not VIETNAMESE_MONEY.search("1.5 days")


def test_english_counts_and_decimals_at_rendering() -> None:
    en, vi = Translator("en"), Translator("vi")
    assert en("procedures.time_days", days="1") == "1 working day"
    assert en("procedures.time_days", days="3") == "3 working days"
    assert en("procedures.time_days", days=decimal(1.5, "en")) == "1.5 working days"
    assert vi("procedures.time_days", days=decimal(1.5, "vi")) == "1,5 ngày làm việc"
    assert en("filing.expected_one", date="x", days="1").endswith("(1 working day after the "
                                                                  "dossier is received).")
    # a document read in chat: "1 page", never "1 pages"
    assert "(1 page, PDF with text)" in en("documents.read_title", name="a.pdf", pages=1,
                                           how=en("documents.kind_pdf"))
    assert "(3 pages," in en("documents.read_title", name="a.pdf", pages=3, how="x")
    assert fmt_pct(0.625, "en") == "62.5%" and fmt_mean(4.25, "en") == "4.25"
    assert fmt_pct(0.625) == "62,5%"


def test_citizens_read_no_technical_standard_names() -> None:
    """"Open311" (the public API's standard) means nothing to a citizen: only texts for the
    officials (the province IT team among them) may name it."""
    for language in LANGUAGES:
        named = {k: v for k, v in catalogue(language).items()
                 if "open311" in v.lower() and not OFFICIALS_KEYS.match(k)}
        assert named == {}, language


def test_durations_leave_out_a_zero_part() -> None:
    vi, en = Translator("vi"), Translator("en")
    assert [vi.duration(s) for s in (28, 120, 65, 0)] == [
        "28 giây", "2 phút", "1 phút 5 giây", "0 giây"]
    assert [en.duration(s) for s in (28, 120, 65)] == ["28 s", "2 min", "1 min 5 s"]
