"""The procedure catalogue in the database: seeding, importing the national records, search
through the cached index, commune desks; on SQLite and PostgreSQL."""

import asyncio
import json
from pathlib import Path

from sqlalchemy import select

from services.communes import Communes
from services.db import Database
from services.procedures.catalogue import load_catalogue
from services.procedures.models import SOURCE_CATALOGUE, SOURCE_IMPORT, ProcedureRow
from services.procedures.store import Desk, Procedures
from services.procedures.tthc import load_path


def tthc(shared: Path) -> Path:
    return shared / "data" / "tthc"


async def test_import_of_the_shared_records_maps_the_fields(db: Database, shared: Path) -> None:
    loaded = load_path(tthc(shared))
    assert len(loaded.procedures) == 37 and loaded.skipped == ()
    async with db.transaction() as session:
        report = await Procedures(session).upsert(loaded.procedures)
    assert len(report.added) == 37 and report.changed == []

    async with db.transaction() as session:
        store = Procedures(session)
        assert await store.count() == 37
        birth = await store.get("1.001193")
        assert birth.name == "Đăng ký khai sinh" and birth.field == "Hộ tịch"
        assert birth.processing_days == 1.0 and not birth.fully_online
        assert [(f.channel, f.amount_vnd) for f in birth.fees] == [
            ("desk", 0), ("online", 0), ("post", 0)]
        required = [d.name for d in birth.documents if d.required]
        assert any(name.startswith("Giấy chứng sinh") for name in required)
        assert any("bỏ rơi" in d.name and not d.required for d in birth.documents)
        assert "Luật 60/2014/QH13" in birth.legal_basis

        copy = await store.get("2.000815")
        assert copy.name.startswith("Chứng thực bản sao từ bản chính")
        assert {f.channel for f in copy.fees} == {"desk"}
        assert copy.fees[0].amount_vnd == 2000

        household = await store.get("2.000720")
        assert household.fully_online
        assert "online" in household.channels

        row = await session.scalar(select(ProcedureRow).where(ProcedureRow.code == "1.000894"))
        assert row.source == SOURCE_IMPORT and len(row.checksum) == 64
        assert row.documents[0] == {"name": row.documents[0]["name"], "original": 1,
                                    "copy": 0, "required": True}


async def test_reimport_reports_unchanged_changed_and_skipped(db: Database, shared: Path,
                                                               tmp_path: Path) -> None:
    async with db.transaction() as session:
        await Procedures(session).upsert(load_path(tthc(shared)).procedures)
    record = json.loads((tthc(shared) / "1.001193.json").read_text(encoding="utf-8"))
    record["name"] = "Thủ tục đăng ký khai sinh (sửa)"
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "changed.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    (folder / "same.json").write_text(
        (tthc(shared) / "1.000894.json").read_text(encoding="utf-8"), "utf-8")
    (folder / "bad.json").write_text(json.dumps([
        {"code": "1.2.3", "name": "Mã sai"},
        {"name": "Không có mã"},
        "not an object",
    ]), "utf-8")
    (folder / "broken.json").write_text("{not json", "utf-8")

    loaded = load_path(folder)
    async with db.transaction() as session:
        report = await Procedures(session).upsert(loaded.procedures)
    assert report.added == [] and report.unchanged == ["1.000894"]
    assert report.changed == [("1.001193", ["name"])]
    reasons = " | ".join(s.reason for s in loaded.skipped)
    assert len(loaded.skipped) == 4
    assert "malformed code" in reasons and "missing code" in reasons
    assert "JSON object" in reasons and "invalid JSON" in reasons
    async with db.transaction() as session:
        assert (await Procedures(session).get("1.001193")).name == "Đăng ký khai sinh (sửa)"


async def test_seeding_fills_a_fresh_database_once_and_keeps_imports(db: Database,
                                                                      shared: Path) -> None:
    catalogue = load_catalogue()
    assert len(catalogue) >= 40
    async with db.transaction() as session:
        first = await Procedures(session).seed(catalogue)
    assert len(first.added) == len(catalogue)
    async with db.transaction() as session:
        again = await Procedures(session).seed(catalogue)
    assert again.added == [] and again.changed == []

    async with db.transaction() as session:
        imported = await Procedures(session).upsert(load_path(tthc(shared)).procedures)
        seeded_after = await Procedures(session).seed(catalogue)
        birth = await Procedures(session).get("1.001193")
    assert "1.001193" in [code for code, _ in imported.changed]
    assert "1.001193" in seeded_after.kept
    # the import brought the national wording and kept the catalogue's everyday aliases
    assert "làm giấy khai sinh" in birth.aliases
    assert any("Mẫu hộ tịch điện tử" in d.name for d in birth.documents)
    async with db.transaction() as session:
        sources = set(await session.scalars(select(ProcedureRow.source)))
    assert sources == {SOURCE_CATALOGUE, SOURCE_IMPORT}


async def test_search_index_is_cached_and_rebuilt_after_an_import(db: Database) -> None:
    async with db.transaction() as session:
        store = Procedures(session)
        await store.seed(load_catalogue())
        index = await store.index()
        assert await store.index() is index
        [best, *_] = await store.search("đăng ký kết hôn")
        assert best.code == "1.000894"
        assert await store.search("con voi bay qua cầu vồng") == []

        marriage = await store.get("1.000894")
        from dataclasses import replace
        await store.upsert([replace(marriage, aliases=(*marriage.aliases, "cưới vợ gả chồng"))])
        rebuilt = await store.index()
        assert rebuilt is not index
        assert (await store.search("cưới vợ gả chồng"))[0].code == "1.000894"


async def test_commune_desk_is_kept_in_commune_settings(db: Database) -> None:
    async with db.transaction() as session:
        commune = await Communes(session).ensure_demo()
        assert Desk.of(commune) == Desk() and not Desk.of(commune).is_set
        desk = await Procedures(session).set_desk(
            commune, address="Trụ sở UBND xã, thôn Đông", hours="Sáng 7h30–11h30, thứ Hai–thứ Sáu")
        assert desk.address == "Trụ sở UBND xã, thôn Đông"
        await Procedures(session).set_desk(commune, contact="0210 3888 999")
    async with db.transaction() as session:
        commune = (await Communes(session).all())[0]
        desk = Desk.of(commune)
        assert (desk.address, desk.contact) == ("Trụ sở UBND xã, thôn Đông", "0210 3888 999")
        assert desk.hours.startswith("Sáng 7h30")


async def test_replicas_seeding_at_once_add_each_procedure_once(database_url: str) -> None:
    one = Database(database_url)
    # SQLite has one writing process; PostgreSQL replicas are serialised by an advisory lock
    two = one if one.is_sqlite else Database(database_url)

    async def seed(db: Database) -> int:
        async with db.transaction() as session:
            return len((await Procedures(session).seed(load_catalogue())).added)

    try:
        added = await asyncio.gather(seed(one), seed(two), seed(one))
    finally:
        await one.dispose()
        await two.dispose()
    assert sorted(added) == [0, 0, len(load_catalogue())]
