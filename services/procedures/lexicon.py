"""Folded word lists for reading questions: filler, stop-words, shorthand, misspellings."""

from __future__ import annotations

# Question filler removed before matching (folded syllables). Longest phrases are tried first, so
# "mat bao lau" goes as a whole while "mat" alone (died / lost) is kept.
FILLER_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "thu tuc hanh chinh", "thu tuc", "nhu the nao", "the nao", "ra sao", "lam sao",
        "o dau", "cho nao", "noi nao", "o xa", "tai xa", "ra xa", "len xa", "o phuong",
        "uy ban", "uy ban nhan dan", "bao lau", "mat bao lau", "mat may ngay", "may ngay",
        "bao nhieu", "bao nhieu tien", "het bao nhieu", "mat bao nhieu", "mat phi", "mat tien",
        "het tien", "le phi", "giay to", "ho so", "can gi", "nhung gi", "can mang", "mang theo",
        "cho hoi", "xin hoi", "co duoc khong", "duoc khong", "co phai", "lam gi", "phai lam",
        "truc tuyen", "qua mang", "dich vu cong", "thoi gian", "giai quyet", "cap xa",
    )
)

# Single syllables that carry no procedure meaning in a question (pronouns, particles, "làm",
# "cần", "xin"…). Ambiguous syllables that also spell procedure words ("sao" in "sao y", "ba" for
# a parent, "mat" for died/lost) are deliberately absent; "di" (đi) is dropped although it also
# begins "di chúc", "di sản", whose second syllables are distinctive on their own.
STOP_WORDS = frozenset(
    (
        "a", "ad", "admin", "ah", "ak", "anh", "bi", "cac", "can", "chi", "cho", "co", "cua", "da",
        "de", "den", "dc", "di", "dum", "duoc", "em", "gi", "giup", "ha", "hay", "hen", "hoi",
        "hok", "j", "k", "khi", "khong", "ko", "la", "lam", "len", "long", "luon", "minh", "moi",
        "mot", "muon", "nao", "nay", "nen", "neu", "nhe", "nhi", "nhu", "nhung", "nua", "o", "oi",
        "online", "phai", "phi", "ra", "roi", "se", "sap", "thi", "toi", "tren", "va", "vao", "vay",
        "ve", "voi", "vs", "vua", "vui", "xin", "xuong", "ntn", "bn", "ubnd", "vneid"
    )
)

# Shorthand expanded into syllables before matching.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "dk": ("dang", "ky"),
    "dky": ("dang", "ky"),
    "dki": ("dang", "ky"),
    "ki": ("ky",),
    "gks": ("giay", "khai", "sinh"),
    "cccd": ("can", "cuoc"),
    "cmnd": ("can", "cuoc"),
    "cmt": ("can", "cuoc"),
    "hk": ("ho", "khau"),
    "shk": ("so", "ho", "khau"),
    "hkd": ("ho", "kinh", "doanh"),
    "gpkd": ("giay", "phep", "kinh", "doanh"),
    "kd": ("kinh", "doanh"),
    "vk": ("vo",),
    "ck": ("chong",),
}

# Initial and final consonants that are commonly confused in writing (regional pronunciation).
CONFUSABLE_ONSETS: tuple[tuple[str, str], ...] = (
    ("tr", "ch"), ("ch", "tr"), ("s", "x"), ("x", "s"), ("gi", "d"), ("d", "gi"), ("r", "d"),
    ("d", "r"), ("l", "n"), ("n", "l"),
)
CONFUSABLE_CODAS: tuple[tuple[str, str], ...] = (
    ("ng", "n"), ("n", "ng"), ("c", "t"), ("t", "c"), ("nh", "n"), ("n", "nh"),
)
