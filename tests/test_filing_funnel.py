"""The officials' funnel per procedure, checked against a scripted set of walks; the dossier
code's accepted shapes."""

from __future__ import annotations

import pytest

from services.communes import Communes
from services.db import utcnow
from services.filing.service import Filings, FunnelRow, parse_dossier_code
from services.models import Commune
from services.procedures.store import Procedures
from services.users import Users
from tests.filing_support import make_official
from tests.helpers import console_app, session, texts

# (commune code, procedure, furthest step, how it ended)
WALKS = [
    ("00000", "1.001193", 5, "finished"),
    ("00000", "1.001193", 5, "active"),
    ("00000", "1.001193", 3, "cancelled"),
    ("00000", "1.001193", 1, "active"),
    ("00000", "1.001193", 2, "back"),       # reached step 2, then went back to step 1
    ("00000", "1.000894", 4, "active"),
    ("00000", "1.000894", 5, "finished"),
    ("11111", "1.001193", 5, "finished"),   # another commune
]


async def script_walks(app) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    async with app.db.transaction() as s:
        s.add(Commune(code="11111", name="Xã Bên Cạnh"))
        await s.flush()
        service = Filings(s)
        for n, (commune_code, code, furthest, end) in enumerate(WALKS):
            user, _ = await Users(s).get_or_create("console", f"walker{n}")
            user.commune_id = (await Communes(s).by_code(commune_code)).id
            filing, created = await service.start(user, await Procedures(s).get(code), now)
            assert created
            for step in range(2, furthest + 1):
                service.move(filing, step, now)
            if end == "finished":
                service.finish(filing, now)
            elif end == "cancelled":
                service.cancel(filing, now)
            elif end == "back":
                service.move(filing, 1, now)


async def test_funnel_counts_started_each_step_and_finished(database_url: str) -> None:
    async with console_app(database_url) as app:
        await script_walks(app)
        async with app.db.transaction() as s:
            demo = await Communes(s).by_code("00000")
            assert await Filings(s).funnel(demo.id) == [
                FunnelRow("1.001193", "Đăng ký khai sinh", 5, (5, 4, 3, 2, 2), 1),
                FunnelRow("1.000894", "Đăng ký kết hôn", 2, (2, 2, 2, 2, 1), 1),
            ]
            everywhere = await Filings(s).funnel(None)
            assert everywhere[0] == FunnelRow("1.001193", "Đăng ký khai sinh", 6,
                                              (6, 5, 4, 3, 3), 2)

        official = await make_official(app)
        shown = texts(await official.say("/filings"))
        assert "📊 Hướng dẫn nộp hồ sơ trực tuyến — Xã Thôn Số (thử nghiệm)" in shown
        assert "• 1.001193 Đăng ký khai sinh: 5 → 4 → 3 → 2 → 2 → 1" in shown
        assert "• 1.000894 Đăng ký kết hôn: 2 → 2 → 2 → 2 → 1 → 1" in shown
        outsider = await make_official(app, "outsider", "11111")
        assert "• 1.001193 Đăng ký khai sinh: 1 → 1 → 1 → 1 → 1 → 1" in texts(
            await outsider.say("/filings"))
        citizen = session(app, "walker0")
        assert "chỉ dành cho cán bộ" in texts(await citizen.say("/filings"))


async def test_funnel_of_a_commune_without_walks(database_url: str) -> None:
    async with console_app(database_url) as app:
        official = await make_official(app)
        assert "Chưa có ai dùng" in texts(await official.say("/filings"))


@pytest.mark.parametrize(("text", "code"), [
    ("G22.99-241125-0001", "G22.99-241125-0001"),
    ("000.00.00.H12-241125-0001", "000.00.00.H12-241125-0001"),
    (" g22.99 – 241125 – 0001 ", "G22.99-241125-0001"),
    ("H12.22-20241125-000123", "H12.22-20241125-000123"),
    ("Mã hồ sơ: G22.99-241125-0001.", "G22.99-241125-0001"),
    ("Hồ sơ G22.99-241125-0001 và G22.99-241125-0002", None),   # which one?
    ("G22.99-241125", None),            # no sequence number
    ("G22.99-999999-0001", None),       # no date in it
    ("HS-12", None),                    # too short
    ("G22/99-241125-0001", None),       # a slash
    ("Đ22.99-241125-0001", None),       # not the portal's alphabet
    ("G22.99-241125-0001" + "-1" * 12, None),   # too long
])
def test_dossier_code_shapes(text: str, code: str | None) -> None:
    assert parse_dossier_code(text) == code
