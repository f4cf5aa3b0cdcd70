"""Matching citizens' questions to procedures."""

from __future__ import annotations

import time
import unicodedata

import pytest

from services.procedures.catalogue import load_catalogue
from services.procedures.search import (
    CONFIDENT_SCORE,
    MIN_SCORE,
    Match,
    ProcedureIndex,
    is_confident,
    search_tokens,
)


@pytest.fixture(scope="module")
def index() -> ProcedureIndex:
    return ProcedureIndex(load_catalogue())


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("làm giấy khai sinh cho bé", "1.001193"),
        ("lam giay khai sin cho be", "1.001193"),
        ("ba tôi mất hôm qua, làm giấy chứng tử ở đâu", "1.000656"),
        ("dang ky ket hon can mang gi", "1.000894"),
        ("xin giay chung nhan doc thn", "1.004873"),
        ("đăng ký tạm trú cho người ở trọ", "1.004194"),
        ("dang ky thuong chu cho con", "1.004222"),
        ("chuyen ho khau ve nha vo", "1.004222"),
        ("khai bao tam vang di lam xa", "1.003677"),
        ("sao y chứng thực căn cước", "2.000815"),
        ("chung thuc chu ky giay uy quyen", "2.000884"),
        ("làm hợp đồng tặng cho đất cho con", "2.001035"),
        ("mat giay khai sinh lam lai", "1.004884"),
        ("tranh chap ranh dat voi hang xom", "1.012812"),
        ("xin trợ cấp cho mẹ già không có lương hưu", "1.116909"),
        ("đăng ký hộ kinh doanh mở quán cà phê", "1.001612"),
    ],
)
def test_representative_questions_find_their_procedure(
    index: ProcedureIndex, question: str, code: str
) -> None:
    matches = index.search(question)

    assert matches, question
    assert matches[0].code == code, (question, matches)


def test_questions_with_and_without_marks_agree(index: ProcedureIndex) -> None:
    with_marks = index.search("Đăng ký kết hôn cần giấy tờ gì?")
    without = index.search("dang ky ket hon can giay to gi")

    assert with_marks == without
    assert with_marks[0].code == "1.000894"
    assert is_confident(with_marks)


def test_decomposed_unicode_is_read_like_composed(index: ProcedureIndex) -> None:
    question = "Xin giấy xác nhận tình trạng hôn nhân ở đâu"
    decomposed = unicodedata.normalize("NFD", question)

    assert decomposed != question
    assert index.search(decomposed) == index.search(question)
    assert index.search(decomposed)[0].code == "1.004873"


@pytest.mark.parametrize(
    "question",
    ["", "   ", "a", "?", "😀", "🙏🙏🙏", "😀 🎉 👍", "a" * 4000, "x " * 2000, "\u0301\u0300"],
)
def test_empty_tiny_emoji_and_huge_inputs_give_nothing(
    index: ProcedureIndex, question: str
) -> None:
    assert index.search(question) == []


@pytest.mark.parametrize(
    "question",
    ["xin chào", "abc", "thời tiết hôm nay", "cảm ơn nhé", "hello", "123456", "ok ok"],
)
def test_nonsense_gives_nothing(index: ProcedureIndex, question: str) -> None:
    assert index.search(question) == []


def test_long_questions_are_handled(index: ProcedureIndex) -> None:
    padded = "đăng ký khai sinh cho con " + "cho em hỏi với ạ " * 250  # filler only
    rambling = "đăng ký khai sinh cho con " + "hôm qua trời mưa rất to " * 200

    assert len(padded) > 4000 and len(rambling) > 4000
    assert index.search(padded)[0].code == "1.001193"
    assert index.search(rambling) == []  # the procedure is a tiny part of the message


def test_results_are_ranked_bounded_and_limited(index: ProcedureIndex) -> None:
    matches = index.search("khai sinh", limit=5)

    assert 1 < len(matches) <= 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(MIN_SCORE <= m.score <= 1 for m in matches)
    assert matches[0].code == "1.001193"
    assert index.search("khai sinh", limit=1) == matches[:1]
    assert index.search("khai sinh", limit=0) == []


def test_sure_answers_differ_from_did_you_mean() -> None:
    sure = [Match("1.000894", "Đăng ký kết hôn", 0.95), Match("1.004873", "x", 0.5)]
    close = [Match("1.001193", "Đăng ký khai sinh", 0.9), Match("1.004884", "x", 0.85)]
    weak = [Match("1.001193", "Đăng ký khai sinh", CONFIDENT_SCORE - 0.01)]

    assert is_confident(sure)
    assert is_confident(sure[:1])
    assert not is_confident(close)
    assert not is_confident(weak)
    assert not is_confident([])


def test_everyday_words_reach_the_formal_procedure(index: ProcedureIndex) -> None:
    assert index.search("sổ hộ khẩu")[0].code == "1.004222"
    assert index.search("giấy chứng tử")[0].code == "1.000656"
    assert index.search("công chứng")[0].code == "2.000815"
    assert index.search("cưới vợ")[0].code == "1.000894"


def test_normalise_drops_filler_but_keeps_meaningful_words() -> None:
    assert search_tokens("Thủ tục đăng ký khai sinh như thế nào, mất bao lâu?") == [
        "dang",
        "ky",
        "khai",
        "sinh",
    ]
    assert search_tokens("Bố tôi mất rồi") == ["bo", "mat"]  # "mất" (died) is kept
    assert search_tokens("đk tạm trú") == ["dang", "ky", "tam", "tru"]


def test_index_works_on_any_procedure_list() -> None:
    catalogue = load_catalogue()
    small = ProcedureIndex([p for p in catalogue if p.code in {"1.001193", "1.000656"}])

    assert ProcedureIndex([]).search("khai sinh") == []
    assert small.search("đăng ký khai tử")[0].code == "1.000656"
    assert small.search("tạm trú") == []


def test_search_is_fast(index: ProcedureIndex) -> None:
    questions = ["lam giay khai sinh cho con can gi", "đăng ký tạm trú ở đâu", "xin chào"] * 100
    started = time.perf_counter()
    for question in questions:
        index.search(question)

    assert (time.perf_counter() - started) / len(questions) < 0.005
