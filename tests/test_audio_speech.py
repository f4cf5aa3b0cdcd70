"""Text for the ear: Vietnamese normalisation for TTS, number reading, chunks and parts."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from services.audio.chunks import split_chunks, split_parts
from services.audio.numbers import cardinal, roman
from services.audio.speech import normalise_for_speech

Y2026 = "hai nghìn không trăm hai mươi sáu"

SPEECH = [
    # dates
    ("25/11/2026", f"ngày hai mươi lăm tháng mười một năm {Y2026}"),
    ("Họp ngày 25/11/2026.", f"Họp ngày hai mươi lăm tháng mười một năm {Y2026}."),
    ("Ngày 25/11 tiêm phòng.", "Ngày hai mươi lăm tháng mười một tiêm phòng."),
    ("hạn chót 01/4", "hạn chót ngày mồng một tháng tư"),
    ("mùng 2/9", "mùng hai tháng chín"),
    ("ngày 5 tháng 4 năm 2026", f"ngày mồng năm tháng tư năm {Y2026}"),
    ("25.11.2026", f"ngày hai mươi lăm tháng mười một năm {Y2026}"),
    ("từ ngày 25-27/11", "từ ngày hai mươi lăm đến hai mươi bảy tháng mười một"),
    ("tháng 11/2026", f"tháng mười một năm {Y2026}"),
    ("Quý IV năm 2026", f"Quý bốn năm {Y2026}"),
    ("năm học 2025-2026", "năm học hai nghìn không trăm hai mươi lăm đến " + Y2026),
    ("đạt 32/35 tiêu chí", "đạt ba mươi hai trên ba mươi lăm tiêu chí"),
    # times
    ("7h30", "bảy giờ ba mươi phút"),
    ("7g30", "bảy giờ ba mươi phút"),
    ("07:30", "bảy giờ ba mươi phút"),
    ("14h", "mười bốn giờ"),
    ("14h00", "mười bốn giờ"),
    ("7h05 sáng", "bảy giờ năm phút sáng"),
    ("từ 7h30-11h", "từ bảy giờ ba mươi phút đến mười một giờ"),
    # money
    ("50.000đ", "năm mươi nghìn đồng"),
    ("50.000 đồng", "năm mươi nghìn đồng"),
    ("1,5 triệu", "một phẩy năm triệu"),
    ("2.000.000 VNĐ", "hai triệu đồng"),
    ("mức thu 50.000đ/người", "mức thu năm mươi nghìn đồng mỗi người"),
    ("giá 50k", "giá năm mươi nghìn"),
    ("1tr5", "một triệu năm trăm nghìn"),
    ("phí 50.000-100.000đ", "phí năm mươi nghìn đến một trăm nghìn đồng"),
    ("1.000.500đ", "một triệu không nghìn năm trăm đồng"),
    # numbers: mốt, lăm, linh, tư, nghìn, triệu, tỷ
    ("21 hộ", "hai mươi mốt hộ"),
    ("15 tổ", "mười lăm tổ"),
    ("105 người", "một trăm linh năm người"),
    ("24 thôn", "hai mươi tư thôn"),
    ("1.250 khẩu", "một nghìn hai trăm năm mươi khẩu"),
    ("3 tỷ", "ba tỷ"),
    ("1.005.000.000", "một tỷ không trăm linh năm triệu"),
    ("thứ 2 và thứ 4", "thứ hai và thứ tư"),
    ("từ 7-10 ngày", "từ bảy đến mười ngày"),
    ("Thủ tục 1.001193", "Thủ tục một chấm không không một một chín ba"),
    # phone numbers
    ("0912 345 678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912345678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912.345.678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("+84 912 345 678", "cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"),
    ("024 3826 1234", "không hai bốn, ba tám hai sáu, một hai ba bốn"),
    ("Tổng đài 1900 1234", "Tổng đài một chín không không, một hai ba bốn"),
    ("gọi 113", "gọi một một ba"),
    # percentages and measures
    ("15%", "mười lăm phần trăm"),
    ("2,5 %", "hai phẩy năm phần trăm"),
    (
        "2ha lúa, 100m2 đất, 5km đường",
        "hai héc ta lúa, một trăm mét vuông đất, năm ki lô mét đường",
    ),
    # abbreviations
    ("UBND xã", "Ủy ban nhân dân xã"),
    ("HĐND, MTTQ, UBMTTQ", "Hội đồng nhân dân, Mặt trận Tổ quốc, Ủy ban Mặt trận Tổ quốc"),
    ("xây dựng NTM", "xây dựng nông thôn mới"),
    ("TTHC về CCCD", "thủ tục hành chính về căn cước công dân"),
    ("BHYT, BHXH", "bảo hiểm y tế, bảo hiểm xã hội"),
    ("trường THCS, THPT", "trường trung học cơ sở, trung học phổ thông"),
    ("CAX và công an xã", "công an xã và công an xã"),
    ("KP 3, TDP 5", "khu phố ba, tổ dân phố năm"),
    ("tại TP.HCM", "tại thành phố Hồ Chí Minh"),
    ("TM. UBND XÃ", "thay mặt Ủy ban nhân dân XÃ"),
    ("HTX, PCCC, NVQS", "hợp tác xã, phòng cháy chữa cháy, nghĩa vụ quân sự"),
    # document numbers, web addresses, symbols
    (
        "Nghị định 13/2023/NĐ-CP",
        "Nghị định mười ba năm hai nghìn không trăm hai mươi ba của Chính phủ",
    ),
    ("Quyết định 123/QĐ-UBND", "Quyết định một trăm hai mươi ba của Ủy ban nhân dân"),
    ("dichvucong.gov.vn", "dichvucong chấm gov chấm vn"),
    ("Nam & Nữ, ~50 người", "Nam và Nữ, khoảng năm mươi người"),
    # lines and Unicode forms
    (
        "THÔNG BÁO\n- Thời gian: 8h\n- Địa điểm: thôn 3",
        "THÔNG BÁO. Thời gian: tám giờ. Địa điểm: thôn ba",
    ),
    (unicodedata.normalize("NFD", "Ủy ban"), "Ủy ban"),
]


@pytest.mark.parametrize(("written", "spoken"), SPEECH)
def test_normalise_for_speech(written: str, spoken: str) -> None:
    assert normalise_for_speech(written) == spoken


@pytest.mark.parametrize("written", [written for written, _ in SPEECH])
def test_normalised_text_is_nfc_digit_free_and_stable(written: str) -> None:
    spoken = normalise_for_speech(written)
    assert unicodedata.is_normalized("NFC", spoken)
    assert not re.search(r"\d", spoken)
    assert normalise_for_speech(spoken) == spoken


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (101, "một trăm linh một"),
        (110, "một trăm mười"),
        (1005, "một nghìn không trăm linh năm"),
        (2000, "hai nghìn"),
        (1_000_005, "một triệu không nghìn không trăm linh năm"),
        (1_234_567, "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy"),
        (10**12, "một nghìn tỷ"),
    ],
)
def test_cardinal(n: int, words: str) -> None:
    assert cardinal(n) == words


def test_roman_rejects_malformed_numerals() -> None:
    assert [roman(v) for v in ("XIV", "MMXXVI", "IIII", "VX", "")] == [14, 2026, None, None, None]


def _notice(seed: int, words: int) -> str:
    rng = random.Random(seed)
    vocabulary = ["thôn", "xã", "họp", "dân", "tiêm", "phòng", "ngày", "giờ", "Ủy", "ban", "báo"]
    out = []
    for _ in range(words):
        word = rng.choice(vocabulary)
        out.append(word + rng.choice(["", "", "", "", ",", ".", ":", " -"]))
    return " ".join(out)


@pytest.mark.parametrize("seed", range(20))
def test_chunks_fit_gtts_and_keep_every_word(seed: int) -> None:
    text = _notice(seed, 150)
    chunks = split_chunks(text)
    assert all(0 < len(chunk) <= 100 for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_chunks_break_at_sentences_then_clauses() -> None:
    first = "Ủy ban nhân dân xã thông báo lịch tiêm phòng cho trẻ em dưới năm tuổi."
    second = "Các gia đình đưa trẻ đến trạm y tế đúng giờ."
    assert split_chunks(f"{first} {second}") == [first, second]
    clauses = [
        "Địa điểm tại hội trường thôn Đông,",
        "mang theo sổ tiêm chủng,",
        "căn cước công dân",
    ]
    sentence = " ".join([*clauses, "và thẻ bảo hiểm y tế của trẻ."])
    assert len(sentence) > 100
    assert split_chunks(sentence)[0] == " ".join(clauses[:2])


def test_a_word_longer_than_a_chunk_is_cut() -> None:
    url = "x" * 250
    assert split_chunks(f"xem {url} nhé") == ["xem", "x" * 100, "x" * 100, "x" * 50 + " nhé"]


def test_empty_text_has_no_chunks() -> None:
    assert split_chunks("  \n ") == []
    assert split_parts("") == []


def test_parts_hold_about_a_minute_of_speech_each() -> None:
    text = _notice(7, 1000)
    parts = split_parts(text, max_seconds=60, syllables_per_second=4)
    assert len(parts) >= 1000 // 240
    assert all(len(part.split()) <= 240 for part in parts)
    assert " ".join(parts).split() == text.split()
    assert all(part.endswith((".", ",", ":", "-")) for part in parts[:-1])
