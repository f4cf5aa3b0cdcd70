"""Communes from the national list and villages from a commune's CSV, on both databases:
encodings communes really use, all or nothing, re-imports that never duplicate, and a
commune with data that may not be removed."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, select

from locales import Translator
from services.communes import Communes
from services.db import Database
from services.legacy_text import _TCVN3
from services.models import Commune, Village
from services.province import Province, ProvinceError, decode, find_province
from services.users import Users
from tests.test_cli import cli

VILLAGES = "village_name,village_code\nThôn Đồng Tâm,T01\nTổ dân phố Số 3,T02\nXóm Bãi Bắc,\n"


TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: base letters and tone marks as separate bytes."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            tone = next(m for m in marks if m in TONES)
            base = unicodedata.normalize("NFC", marks.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def tcvn3(text: str) -> bytes:
    back = {v: k for k, v in _TCVN3.items()}
    return "".join(back.get(ch, ch) for ch in text).encode("latin-1")


async def commune_with_villages(db: Database, data: bytes) -> list[str]:
    async with db.transaction() as s:
        commune = Commune(code="25678", name="Xã Tân Hòa", villages=[])
        s.add(commune)
        await s.flush()
        await Province(s).import_villages(commune, data)
    async with db.transaction() as s:
        found = await Communes(s).by_code("25678")
        assert found is not None
        return [v.name for v in found.villages]


def test_province_is_found_by_name_or_code_and_ambiguity_is_explained() -> None:
    assert find_province("Thái Nguyên").code == "19"
    assert find_province("thai nguyen").name == "Thái Nguyên"
    assert find_province("1").name == "Thành phố Hà Nội"
    hue = find_province("Huế")
    assert hue.units and all(len(u.code) == 5 for u in hue.units)
    assert {u.kind for u in hue.units} <= {"xã", "phường", "đặc khu"}
    with pytest.raises(ProvinceError) as many:
        find_province("Đồng")
    assert many.value.key == "province.err.many"
    message = Translator("vi")(many.value.key, **many.value.values)
    assert "Đồng Nai" in message and "Đồng Tháp" in message
    with pytest.raises(ProvinceError) as none:
        find_province("Hà Tây")  # merged away long ago
    assert none.value.key == "province.err.none"


@pytest.mark.parametrize("encode", [lambda t: t.encode("utf-8"),
                                    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
                                    cp1258, tcvn3], ids=["utf8", "utf8-bom", "cp1258", "tcvn3"])
def test_village_files_in_each_encoding_read_the_same(encode) -> None:  # type: ignore[no-untyped-def]
    assert decode(encode(VILLAGES)) == VILLAGES


def test_unreadable_bytes_are_refused_with_what_to_do() -> None:
    with pytest.raises(ProvinceError) as error:
        decode(bytes(range(0x80, 0xA0)) * 4)
    assert error.value.key == "province.err.encoding"
    assert "CSV UTF-8" in Translator("vi")(error.value.key)


async def test_villages_import_in_legacy_encoding(db: Database) -> None:
    names = await commune_with_villages(db, tcvn3(VILLAGES))
    assert names == ["Thôn Đồng Tâm", "Tổ dân phố Số 3", "Xóm Bãi Bắc"]


async def test_village_reimport_renames_by_code_and_never_duplicates(db: Database) -> None:
    await commune_with_villages(db, VILLAGES.encode())
    async with db.transaction() as s:
        commune = await Communes(s).by_code("25678")
        assert commune is not None
        counts = await Province(s).import_villages(
            commune, "village_name,village_code,district\nThôn Đồng Tâm Mới,T01\n"
                     "Xóm Bãi Bắc,\nThôn Mới,\n".encode())
        assert (counts.added, counts.updated, counts.unchanged) == (1, 1, 1)
        assert counts.warnings == [("province.warn.district", {})]
    async with db.transaction() as s:
        names = sorted(await s.scalars(select(Village.name)))
    assert names == ["Thôn Mới", "Thôn Đồng Tâm Mới", "Tổ dân phố Số 3", "Xóm Bãi Bắc"]


@pytest.mark.parametrize(("content", "key"), [
    ("village_name,head_of_village\nThôn A,Ông B\n", "province.err.columns"),
    ("ten_thon\nThôn A\n", "province.err.columns"),
    ("village_code\nT01\n", "province.err.no_name_column"),
    ("village_name\nThôn A\nThôn B\nthôn a\n", "province.err.duplicate"),
    ("village_name\n" + "".join(f"Thôn {n}\n" for n in range(10_000)), "province.err.too_many"),
    ("village_name,village_code\nThôn A,T1\n,T2\n", "province.err.row"),
    ("commune_code,village_name\n25678,Thôn A\n99999,Thôn B\n", "province.err.other_commune"),
    ("village_name\n", "province.err.no_rows"),
])
async def test_bad_village_files_change_nothing(db: Database, content: str, key: str) -> None:
    await commune_with_villages(db, "village_name\nThôn Cũ\n".encode())
    async def attempt() -> None:
        async with db.transaction() as s:
            commune = await Communes(s).by_code("25678")
            assert commune is not None
            await Province(s).import_villages(commune, content.encode())

    with pytest.raises(ProvinceError) as error:
        await attempt()
    assert error.value.key == key
    assert Translator("vi")(error.value.key, **error.value.values)  # every key has a text
    async with db.transaction() as s:
        assert list(await s.scalars(select(Village.name))) == ["Thôn Cũ"]


async def test_national_import_replaces_demo_and_reimport_updates(db: Database) -> None:
    async with db.transaction() as s:
        await Communes(s).ensure_demo()
        counts = await Province(s).import_national(find_province("Thái Nguyên"))
        assert counts.added > 50 and counts.updated == 0
    async with db.transaction() as s:
        total = await s.scalar(select(func.count()).select_from(Commune))
        assert total == counts.added  # the demo commune is gone
        some = await s.scalar(select(Commune).order_by(Commune.code).limit(1))
        assert some is not None and some.province == "Thái Nguyên" and some.district == ""
        some.name = "Tên cũ"
    async with db.transaction() as s:
        again = await Province(s).import_national(find_province("19"))
        assert (again.added, again.updated) == (0, 1)
        assert await s.scalar(select(func.count()).select_from(Commune)) == total


async def test_a_commune_with_users_is_not_removed(db: Database) -> None:
    async with db.transaction() as s:
        empty = Commune(code="1", name="Xã Trống")
        used = Commune(code="2", name="Xã Có Người")
        s.add_all([empty, used])
        await s.flush()
        official = await Users(s).create("console", "o")
        await Users(s).grant_official(official, used.id)
        province = Province(s)
        assert await province.removal_refused(used) == "province.remove.users"
        assert await province.removal_refused(empty) is None
        await province.remove(empty)
    async with db.transaction() as s:
        assert list(await s.scalars(select(Commune.name))) == ["Xã Có Người"]


def test_cli_imports_a_province_and_villages(database_url: str, tmp_path: Path) -> None:
    imported = cli(database_url, "communes", "import", "--province", "Thái Nguyên")
    assert imported.returncode == 0, imported.stderr
    assert "Imported Thái Nguyên" in imported.stdout
    code = find_province("Thái Nguyên").units[0].code
    csv_file = tmp_path / "thon.csv"
    csv_file.write_bytes(cp1258("village_name,district\nThôn Đồng Tâm,Huyện Cũ\n"))
    villages = cli(database_url, "communes", "villages", code, str(csv_file))
    assert villages.returncode == 0, villages.stderr
    assert "1 added" in villages.stdout and "district" in villages.stderr
    assert "Thôn Đồng Tâm" in cli(database_url, "communes", "list").stdout
    ambiguous = cli(database_url, "communes", "import", "--province", "Quảng")
    assert ambiguous.returncode == 1 and "Quảng Ninh" in ambiguous.stderr
