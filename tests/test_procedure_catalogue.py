"""Importer of the national procedure database's records, and the shipped catalogue."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest

from services.procedures.catalogue import load_catalogue
from services.procedures.procedure import Document, Fee, Procedure
from services.procedures.tthc import RecordError, load_path, parse_record

TTHC = Path(__file__).resolve().parents[2] / "shared" / "data" / "tthc"


def record(code: str) -> dict:
    return json.loads((TTHC / f"{code}.json").read_text(encoding="utf-8"))


def shared_codes() -> set[str]:
    return {
        data["code"]
        for path in TTHC.glob("*.json")
        if (data := json.loads(path.read_text(encoding="utf-8"))).get("isWard")
    }


def minimal(**changes: object) -> dict:
    base = {"code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "isWard": True}
    return {**base, **changes}


# ---------------------------------------------------------------- shared records


def test_every_shared_record_is_imported_without_skips() -> None:
    result = load_path(TTHC)

    assert result.skipped == ()
    assert {p.code for p in result.procedures} == shared_codes()
    assert len(result.procedures) == 37


def test_birth_registration_is_mapped_field_by_field() -> None:
    birth = parse_record(record("1.001193"))

    assert birth.code == "1.001193"
    assert birth.name == "Đăng ký khai sinh"  # "Thủ tục" prefix dropped
    assert birth.field == "Hộ tịch"
    assert birth.agency == "Ủy ban nhân dân cấp xã"
    assert birth.result == "Giấy khai sinh"
    assert set(birth.applicants) == {"Công dân Việt Nam", "Người Việt Nam định cư ở nước ngoài"}
    assert birth.processing_days == 1  # "1 OTHER" for every channel, cases say 1 working day
    assert birth.fully_online is False
    assert birth.fees == (Fee("desk", 0), Fee("online", 0), Fee("post", 0))
    assert birth.is_free
    by_start = {doc.name.split()[0] + " " + doc.name.split()[1]: doc for doc in birth.documents}
    assert by_start["Giấy chứng"] == Document(
        "Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm "
        "chứng xác nhận về việc sinh; nếu không có người làm chứng thì phải có giấy cam đoan "
        "về việc sinh",
        original=1,
        copy=0,
        required=True,
    )
    assert by_start["Tờ khai"].required and by_start["Tờ khai"].original == 1
    assert not by_start["Văn bản"].required  # the power of attorney: only when filing for another
    assert not by_start["Trường hợp"].required  # abandoned child, surrogacy: only in those cases
    assert len(birth.documents) == 8  # notes without quantities ("Lưu ý"…) are left out
    assert all(not doc.name.startswith(("-", "+")) for doc in birth.documents)
    assert any("60/2014/QH13" in basis for basis in birth.legal_basis)
    assert any(basis.startswith("85/2019/TT-BTC – Thông tư") for basis in birth.legal_basis)
    assert birth.steps.startswith("Nếu lựa chọn hình thức nộp hồ sơ trực tiếp")
    assert len(birth.steps) <= 321


def test_certified_copy_keeps_per_page_fee_and_foreign_currency_apart() -> None:
    copy = parse_record(record("2.000815"))

    assert copy.field == "Chứng thực"
    assert copy.channels == ("desk",)  # only filed in person
    vnd, usd = copy.fees
    assert vnd.amount_vnd == 2000 and "2.000 đồng/trang" in vnd.note
    assert "tối đa thu không quá 200.000 đồng/bản" in vnd.note
    assert usd.amount_vnd is None and usd.note == "Tại cơ quan đại diện: 10 USD/bản."
    assert copy.processing_days == 1  # stated 0 ("within the day"), the case says 1 working day
    assert "Ủy ban nhân dân cấp xã" in copy.agency
    assert [doc.original for doc in copy.documents] == [1]


def test_disability_certificate_reads_working_days_and_copies() -> None:
    disability = parse_record(record("1.001699"))

    assert disability.field == "Bảo trợ xã hội"
    assert disability.processing_days == 25
    assert disability.is_free
    application, *copies = disability.documents
    assert application.name.startswith("Đơn đề nghị theo Mẫu số 01")
    assert (application.original, application.copy, application.required) == (1, 0, True)
    assert all(doc.copy == 1 and doc.original == 0 for doc in copies)
    assert not copies[0].required  # "(nếu có)"


def test_fee_left_to_the_province_has_no_amount_but_says_why() -> None:
    death = parse_record(record("1.000656"))

    assert {fee.amount_vnd for fee in death.fees} == {None}
    assert all("Hội đồng nhân dân tỉnh" in fee.note for fee in death.fees)
    assert not death.is_free


def test_processing_time_from_text_calendar_days_and_methods_without_fees() -> None:
    project = parse_record(record("1.014737"))  # the time is a sentence, not a number
    out_of_poverty = parse_record(record("1.011608"))  # 15 calendar days; cases: 10 working days
    burial = parse_record(record("1.116910"))  # no fee listed at all

    assert project.processing_days == 20
    assert out_of_poverty.processing_days == 10
    free = "Không thu phí, lệ phí"
    assert burial.fees == tuple(Fee(channel, 0, free) for channel in ("desk", "online", "post"))


def test_fully_online_needs_the_online_channel() -> None:
    assert parse_record(record("1.008004")).fully_online is True
    # isFullProcess is set but the record offers no online submission
    assert parse_record(record("1.004941")).fully_online is False


def test_keywords_become_aliases() -> None:
    assert parse_record(record("1.014737")).aliases == ("sản xuất cộng đồng",)


# ---------------------------------------------------------------- malformed records


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({}, "missing code"),
        (minimal(code="  "), "missing code"),
        (minimal(code=1001193), "code must be a string"),
        (minimal(code="khai-sinh"), "malformed code"),
        (minimal(name=None), "missing name"),
        (minimal(name=["Đăng ký"]), "name must be a string"),
        (minimal(executionMethods={"DIRECT": 1}), "executionMethods must be a list"),
        (minimal(executionMethods=["DIRECT"]), "executionMethods must contain only objects"),
        (
            minimal(executionMethods=[{"submissionMethod": "DIRECT", "fees": [{"value": "free"}]}]),
            "fee value must be a number",
        ),
        (
            minimal(executionCases=[{"profileComponents": [{"name": "Đơn", "originalQty": -1}]}]),
            "originalQty must be a non-negative number",
        ),
        (minimal(isFullProcess="yes"), "isFullProcess must be true or false"),
        (minimal(categoriesDetails=[{"name": 7}]), "expected text, got int"),
        ([minimal()], "record must be a JSON object"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(data: object, reason: str) -> None:
    with pytest.raises(RecordError) as raised:
        parse_record(data)

    assert reason in raised.value.reason


def test_a_minimal_record_is_enough() -> None:
    procedure = parse_record(minimal())

    assert procedure.name == "Đăng ký khai sinh"
    assert procedure.documents == () and procedure.fees == ()
    assert procedure.processing_days is None
    assert procedure.agency == "Ủy ban nhân dân cấp xã"


def test_folder_import_reports_every_skipped_item(tmp_path: Path) -> None:
    shutil.copy(TTHC / "1.001193.json", tmp_path / "birth.json")
    (tmp_path / "nested").mkdir()
    shutil.copy(TTHC / "1.001193.json", tmp_path / "nested" / "again.json")
    (tmp_path / "list.json").write_text(
        json.dumps([record("1.000656"), minimal(code=None), minimal(isWard=False)]),
        encoding="utf-8",
    )
    (tmp_path / "broken.json").write_text('{"code": "1.000894",', encoding="utf-8")
    (tmp_path / "legacy.json").write_bytes(b'{"name": "\xae\xb8ng k\xfd"}')  # TCVN3 bytes

    result = load_path(tmp_path)

    assert sorted(p.code for p in result.procedures) == ["1.000656", "1.001193"]
    reasons = {Path(item.source.split("[")[0]).name: item.reason for item in result.skipped}
    assert reasons["again.json"] == "duplicate code 1.001193 (trùng mã)"
    assert reasons["broken.json"].startswith("invalid JSON at line 1")
    assert reasons["legacy.json"].startswith("not UTF-8 text")
    skipped_from_list = [item for item in result.skipped if item.source.endswith(("[1]", "[2]"))]
    assert [item.reason for item in skipped_from_list] == [
        "missing code (thiếu mã thủ tục)",
        "not a commune-level procedure (isWard=false)",
    ]


def test_single_file_and_non_commune_records_on_request(tmp_path: Path) -> None:
    path = tmp_path / "province.json"
    path.write_text(json.dumps(minimal(isWard=False)), encoding="utf-8")

    assert load_path(path).procedures == ()
    assert [p.code for p in load_path(path, commune_only=False).procedures] == ["1.001193"]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    result = load_path(tmp_path / "absent.json")

    assert result.procedures == ()
    assert result.skipped[0].reason.startswith("cannot read file")


# ---------------------------------------------------------------- shipped catalogue


def test_catalogue_is_large_enough_with_unique_codes() -> None:
    catalogue = load_catalogue()
    codes = [p.code for p in catalogue]

    assert len(catalogue) >= 45
    assert len(codes) == len(set(codes))


def test_catalogue_covers_every_shared_commune_level_record() -> None:
    assert shared_codes() <= {p.code for p in load_catalogue()}


def test_every_catalogue_entry_is_complete_and_normalised() -> None:
    for procedure in load_catalogue():
        texts = [procedure.name, procedure.steps, procedure.agency, *procedure.aliases]
        assert all(unicodedata.is_normalized("NFC", text) for text in texts), procedure.code
        assert procedure.field and procedure.agency and procedure.steps, procedure.code
        assert procedure.applicants and procedure.legal_basis, procedure.code
        assert len(procedure.aliases) >= 3, procedure.code
        assert procedure.documents and any(d.required for d in procedure.documents), procedure.code
        assert procedure.fees and procedure.channels, procedure.code
        for fee in procedure.fees:
            assert fee.amount_vnd is not None or fee.note, procedure.code
        assert procedure.processing_days is None or 0 <= procedure.processing_days <= 60


def test_catalogue_entries_survive_a_round_trip() -> None:
    for procedure in load_catalogue():
        assert Procedure.from_dict(json.loads(json.dumps(procedure.to_dict()))) == procedure


def test_catalogue_loads_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert len(load_catalogue()) >= 45


def test_catalogue_facts_agree_with_the_national_records() -> None:
    shipped = {p.code: p for p in load_catalogue()}
    for code in ("2.000884", "2.001035", "2.000635", "1.116909"):
        imported = parse_record(record(code))
        ours = shipped[code]
        assert ours.processing_days == imported.processing_days, code
        assert {f.amount_vnd for f in ours.fees if f.channel == "desk"} <= {
            f.amount_vnd for f in imported.fees if f.channel == "desk"
        }, code


def test_invalid_entries_are_refused_by_the_model() -> None:
    entry = load_catalogue()[0].to_dict()

    with pytest.raises(ValueError, match="'fees' must be a list"):
        Procedure.from_dict({**entry, "fees": None})
    with pytest.raises(ValueError, match="unknown channel"):
        Procedure.from_dict({**entry, "fees": [{"channel": "fax", "amount_vnd": 0, "note": ""}]})
    unknown = {"channel": "desk", "amount_vnd": None, "note": ""}
    with pytest.raises(ValueError, match="needs a note"):
        Procedure.from_dict({**entry, "fees": [unknown]})
    with pytest.raises(ValueError, match="malformed procedure code"):
        Procedure.from_dict({**entry, "code": "1193"})


def test_local_codes_are_the_catalogues_own_and_never_an_imports() -> None:
    local = {p.code: p for p in load_catalogue() if p.is_local}
    assert sorted(local) == ["TS-CANCUOC", "TS-GPXD", "TS-XEMAY"]
    assert not any(p.is_local for p in load_catalogue() if p.code[0].isdigit())
    entry = load_catalogue()[0].to_dict()
    for code in ("TS-xemay", "TS-", "TS-XE.MAY", "XEMAY", "TS-" + "A" * 17):
        with pytest.raises(ValueError, match="malformed procedure code"):
            Procedure.from_dict({**entry, "code": code})
    with pytest.raises(RecordError) as refused:  # a national record cannot take a local code
        parse_record(minimal(code="TS-XEMAY"))
    assert "malformed code" in refused.value.reason
