"""Benchmark: the operations room's pages on PostgreSQL with 100,000 reports in 50 communes.

Creates its own database (TEST_POSTGRES_DSN, default postgresql://postgres@127.0.0.1:5432/
test), loads the reports as bench/inbox.py does, signs an official of the busiest commune in
(and a province admin, for the provincial table and the audit log), then requests each
page through the real aiohttp app and prints p50/p95 of the server's own time (the
`Server-Timing` header), target p95 < 150 ms; drops the database.

Notices as a commune sends them over a year, in every commune: 300 one-off notices sent (one
run each), six recurring ones (three daily, three weekly) with a year of runs, ten scheduled in
the next two weeks and two waiting at preview — about 15,900 notices and 71,000 runs in 50
communes; the notices list and week calendar (this week and next) are measured.

    python bench/ops_pages.py [--reports 100000] [--communes 50] [--runs 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import scratch_database
from bench.inbox import DSN, load, percentile, plain
from bot.migrate import upgrade
from ops.app import build
from ops.context import OpsConfig
from ops.live import LiveFeed
from services.db import Database, utcnow
from services.feedback.models import FeedbackReport
from services.ops.signin import SignIn
from services.province_table import provincial_table
from services.users import Users

TARGET_P95_MS = 150.0


NOTICES_SQL = (
    # one-off notices sent over the past year, one run each
    """INSERT INTO notices (commune_id, text, village_ids, priority, mode, schedule, status,
         version, audio, run_at, created_at, updated_at)
       SELECT c.id, 'Thông báo số ' || g || ': lịch họp, tiêm phòng, thu gom rác',
         '[]', (ARRAY['normal','normal','normal','priority','emergency'])[1 + g % 5], 'text',
         'once', 'done', 1, '[]', now() - g * interval '29 hours',
         now() - g * interval '29 hours', now() - g * interval '29 hours'
       FROM communes c, generate_series(1, 300) g""",
    """INSERT INTO notice_runs (notice_id, occurrence_at, status, groups, late_s, created_at)
       SELECT id, run_at, 'done', 3, 0, run_at FROM notices WHERE status = 'done'""",
    # recurring notices, each with a year of runs
    """INSERT INTO notices (commune_id, text, village_ids, priority, mode, schedule, cron,
         status, version, audio, next_run_at, created_at, updated_at)
       SELECT c.id, 'Loa phát thanh định kỳ ' || r.n, '[]', 'normal', 'both', r.kind, r.cron,
         'scheduled', 1, '[]', now() + interval '3 hours', now() - interval '1 year', now()
       FROM communes c, (VALUES (1, 'daily', '0 6 * * *'), (2, 'daily', '30 17 * * *'),
         (3, 'daily', '0 11 * * *'), (4, 'weekly', '0 7 * * 1'),
         (5, 'weekly', '0 8 * * 3,5'), (6, 'weekly', '0 19 * * 0')) AS r(n, kind, cron)""",
    """INSERT INTO notice_runs (notice_id, occurrence_at, status, groups, late_s, created_at)
       SELECT n.id, t, 'done', 3, 0, t FROM notices n,
         generate_series(now() - interval '1 year', now() - interval '1 hour',
                         CASE n.schedule WHEN 'daily' THEN interval '1 day'
                              ELSE interval '7 days' END) t
       WHERE n.status = 'scheduled'""",
    # scheduled in the next two weeks, and drafts at preview
    """INSERT INTO notices (commune_id, text, village_ids, priority, mode, schedule, status,
         version, audio, run_at, next_run_at, created_at, updated_at)
       SELECT c.id, 'Hẹn gửi số ' || g, '[]', 'priority', 'text', 'once', 'scheduled', 1, '[]',
         now() + g * interval '33 hours', now() + g * interval '33 hours', now(), now()
       FROM communes c, generate_series(1, 10) g""",
    """INSERT INTO notices (commune_id, text, village_ids, priority, mode, schedule, status,
         version, audio, created_at, updated_at)
       SELECT c.id, 'Bản nháp ' || g, '[]', 'normal', 'text', 'now', 'preview', 1, '[]',
         now(), now() FROM communes c, generate_series(1, 2) g""",
)


async def load_notices(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain(url))
    try:
        for statement in NOTICES_SQL:
            await connection.execute(statement)
        await connection.execute("ANALYZE notices; ANALYZE notice_runs")
        notices = await connection.fetchval("SELECT count(*) FROM notices")
        runs = await connection.fetchval("SELECT count(*) FROM notice_runs")
        print(f"loaded {notices:,} notices and {runs:,} runs")
    finally:
        await connection.close()


async def signed_in(db: Database, client: TestClient, commune_id: int, *,
                    admin: bool = False) -> None:
    async with db.transaction() as session:
        users = Users(session)
        official = await users.create("telegram", "bench-admin" if admin else "bench-official")
        if admin:
            await users.grant_admin(official)
        else:
            await users.grant_official(official, commune_id)
        token = await SignIn(session).issue_link(official, utcnow())
    response = await client.post("/ops/signin", data={"t": token}, allow_redirects=False)
    assert response.status == 303, response.status


async def pages(db: Database, commune_id: int, villages: list[int]) -> dict[str, list[str]]:
    async with db.transaction() as session:
        ids = list(await session.scalars(select(FeedbackReport.id).where(
            FeedbackReport.commune_id == commune_id).limit(500)))
    rng = random.Random(7)
    today = utcnow().date()
    next_week = (today + timedelta(days=7)).isoformat()
    past_week = (today - timedelta(days=120)).isoformat()
    return {
        "dashboard": ["/ops/"],
        "inbox (open)": ["/ops/reports"],
        "inbox overdue": ["/ops/reports?overdue=1"],
        "inbox category+village": [f"/ops/reports?status=all&category=roads&village={v}"
                                   for v in villages],
        "inbox page 5, newest": ["/ops/reports?status=all&sort=new&page=5"],
        "inbox date range": ["/ops/reports?status=all&since=2026-06-01&until=2026-09-30"],
        "report detail": [f"/ops/reports/{rng.choice(ids)}" for _ in range(50)],
        "notices + week calendar": ["/ops/notices"],
        "notices, next week": [f"/ops/notices?week={next_week}"],
        "notices, a past week": [f"/ops/notices?week={past_week}"],
    }


ADMIN_PAGES = {
    "province table (admin)": ["/ops/province/table"],
    "province table by overdue": ["/ops/province/table?sort=overdue&desc=1"],
    "province table CSV": ["/ops/province/table.csv"],
    "audit log (admin)": ["/ops/audit"],
}


async def measure(client: TestClient, paths: dict[str, list[str]], runs: int
                  ) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for n in range(runs):
        for name, choices in paths.items():
            response = await client.get(choices[n % len(choices)])
            assert response.status == 200, (name, response.status)
            await response.read()
            timings[name].append(float(response.headers["Server-Timing"].split("dur=")[1]))
    return timings


async def uncached_table(db: Database, runs: int) -> list[float]:
    """The provincial table counted afresh each time (the page reuses it for 30 s)."""
    timings = []
    for _ in range(runs):
        async with db.transaction() as session:
            started = time.perf_counter()
            await provincial_table(session, utcnow())
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def run(url: str, args: argparse.Namespace) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        commune_id, villages = await load(url, args.reports, args.communes)
        await load_notices(url)
        config = OpsConfig(root="/ops", secure=False, timezone="Asia/Ho_Chi_Minh",
                           tiles_url="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        from aiohttp import web

        root = web.Application()
        root.add_subapp("/ops", build(db, config, LiveFeed(db)))
        client = TestClient(TestServer(root))
        await client.start_server()
        admin = TestClient(client.server)  # the same server, another browser
        try:
            await signed_in(db, client, commune_id)
            await signed_in(db, admin, commune_id, admin=True)
            paths = await pages(db, commune_id, villages)
            await measure(client, paths, 5)  # warm-up
            await measure(admin, ADMIN_PAGES, 5)
            timings = await measure(client, paths, args.runs)
            timings.update(await measure(admin, ADMIN_PAGES, args.runs))
            timings["province table, uncached query"] = await uncached_table(db, args.runs)
        finally:
            await admin.close()
            await client.close()
        print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        worst = 0.0
        for name, values in timings.items():
            p95 = percentile(values, 0.95)
            worst = max(worst, p95)
            print(f"{name:32} {statistics.median(values):8.2f} {p95:8.2f} {max(values):8.2f}")
        print(f"worst p95 {worst:.1f} ms: target < {TARGET_P95_MS:.0f} ms "
              f"{'met' if worst < TARGET_P95_MS else 'NOT met'}")
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--communes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    server = DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    async with scratch_database(server) as url:
        await run(url, args)


if __name__ == "__main__":
    asyncio.run(main())
