"""Benchmark: an official's /inbox on PostgreSQL with 100,000 reports across 50 communes.

Creates its own database (from TEST_POSTGRES_DSN, default
postgresql://postgres@127.0.0.1:5432/test), migrates it, bulk-loads the reports with COPY,
then times the inbox queries of one commune (a count and a page, as /inbox runs them) with
each filter, and the digest's overdue query; prints p50/p95 per query; drops the database.

    python bench/inbox.py [--reports 100000] [--communes 50] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import scratch_database
from bot.migrate import upgrade
from services.db import Database, utcnow
from services.feedback.categories import DEFAULT_CODES
from services.feedback.deadlines import deadlines
from services.feedback.jobs import digest_lists
from services.feedback.models import STATUSES
from services.feedback.service import FeedbackReports, InboxFilter
from services.models import Commune
from services.worktime import WorkCalendar

DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
VILLAGES = 6
CITIZENS = 5000
STATUS_WEIGHTS = (0.10, 0.15, 0.10, 0.50, 0.08, 0.07)   # received … transferred
COLUMNS = ("code", "commune_id", "reporter_id", "channel", "category", "description",
           "voice", "photos", "latitude", "longitude", "village_id", "address", "urgent",
           "anonymous", "status", "status_note", "created_at", "updated_at", "ack_due_at",
           "due_at", "acknowledged_at", "resolved_at")


def plain(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def reports(count: int, communes: list[int], villages: dict[int, list[int]],
            citizens: list[int], now: datetime) -> list[tuple]:
    rng = random.Random(13)
    calendar = WorkCalendar()
    sequences: dict[tuple[int, int], int] = {}
    rows = []
    for _ in range(count):
        commune = rng.choice(communes)
        created = now - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
        urgent = rng.random() < 0.05
        due = deadlines(calendar, created, urgent=urgent, due_days=10)
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        acknowledged = None if status == "received" and rng.random() < 0.5 \
            else created + timedelta(hours=rng.randint(1, 30))
        resolved = created + timedelta(days=rng.randint(1, 20)) if status == "resolved" else None
        year = created.year
        sequences[(commune, year)] = sequences.get((commune, year), 0) + 1
        lat, lon = 21.0 + rng.random() * 0.5, 105.5 + rng.random() * 0.5
        rows.append((
            f"PA-{commune:05d}-{year}-{sequences[(commune, year)]:04d}", commune,
            rng.choice(citizens), "telegram", rng.choice(DEFAULT_CODES),
            "Mô tả sự việc để thử tải: đường, điện, rác, nước…", None, "[]", lat, lon,
            rng.choice(villages[commune]), None, urgent, rng.random() < 0.2, status, None,
            created, created, due.ack_due, due.due, acknowledged, resolved,
        ))
    return rows


async def load(url: str, count: int, commune_count: int) -> tuple[int, list[int]]:
    connection = await asyncpg.connect(plain(url))
    try:
        now = datetime.now(UTC)
        communes, villages = [], {}
        for n in range(1, commune_count + 1):
            commune_id = await connection.fetchval(
                "INSERT INTO communes (code, name, district, province, timezone, settings, "
                "is_demo, created_at) VALUES ($1, $2, '', '', 'Asia/Ho_Chi_Minh', '{}', false, "
                "$3) RETURNING id", f"{n:05d}", f"Xã số {n}", now)
            communes.append(commune_id)
            villages[commune_id] = [await connection.fetchval(
                "INSERT INTO villages (commune_id, code, name) VALUES ($1, '', $2) "
                "RETURNING id", commune_id, f"Thôn {v}") for v in range(1, VILLAGES + 1)]
        await connection.copy_records_to_table(
            "users", columns=("channel", "external_id", "language", "role", "onboarded",
                              "created_at", "last_seen_at"),
            records=[("telegram", str(10_000 + n), "vi", "citizen", True, now, now)
                     for n in range(CITIZENS)])
        citizens = [r["id"] for r in await connection.fetch("SELECT id FROM users")]
        started = time.perf_counter()
        rows = reports(count, communes, villages, citizens, now)
        await connection.copy_records_to_table("feedback_reports", columns=COLUMNS,
                                               records=rows)
        print(f"loaded {count:,} reports across {commune_count} communes in "
              f"{time.perf_counter() - started:.1f}s")
        await connection.execute("ANALYZE")
        busiest = await connection.fetchval(
            "SELECT commune_id FROM feedback_reports GROUP BY commune_id "
            "ORDER BY count(*) DESC LIMIT 1")
        return busiest, villages[busiest]
    finally:
        await connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(db: Database, commune_id: int, village_ids: list[int],
                  runs: int) -> dict[str, list[float]]:
    now = utcnow()
    scenarios = {
        "inbox (open)": (InboxFilter(), 0),
        "inbox page 5": (InboxFilter(), 5),
        "overdue": (InboxFilter(overdue=True), 0),
        "status=received": (InboxFilter(status="received"), 0),
        "category=roads": (InboxFilter(category="roads"), 0),
        "village": (InboxFilter(village_id=village_ids[2]), 0),
        "all + category + village": (InboxFilter(status="all", category="water",
                                                 village_id=village_ids[0]), 0),
    }
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    timings["digest lists"] = []
    async with db.transaction() as session:
        commune = await session.get(Commune, commune_id)
    for _ in range(runs):
        for name, (flt, page) in scenarios.items():
            started = time.perf_counter()
            async with db.transaction() as session:
                await FeedbackReports(session).inbox(commune_id, flt, now, page=page)
            timings[name].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        async with db.transaction() as session:
            await digest_lists(session, commune, now)
        timings["digest lists"].append((time.perf_counter() - started) * 1000)
    return timings


async def explain(url: str, commune_id: int) -> None:
    connection = await asyncpg.connect(plain(url))
    try:
        plan = await connection.fetchval(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM feedback_reports WHERE commune_id = $1 "
            "AND status IN ('received', 'in_progress', 'answered') AND (due_at < now() OR "
            "(acknowledged_at IS NULL AND ack_due_at < now())) "
            "ORDER BY urgent DESC, due_at, id LIMIT 8", commune_id)
        top = json.loads(plan)[0]
        node = top["Plan"]
        while node.get("Plans") and "Index" not in node.get("Node Type", ""):
            node = node["Plans"][0]
        print(f"overdue page plan: {node['Node Type']} "
              f"{node.get('Index Name', '')} — {top['Execution Time']:.2f} ms")
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--communes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    server = DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    async with scratch_database(server) as url:
        await run(url, args)


async def run(url: str, args: argparse.Namespace) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        commune_id, villages = await load(url, args.reports, args.communes)
        async with db.transaction() as session:
            everything = InboxFilter(status="all")
            per_commune = (await FeedbackReports(session).inbox(commune_id, everything,
                                                                utcnow()))[1]
        print(f"commune {commune_id}: {per_commune:,} reports; {args.runs} runs per query "
              "(count + page of 8, one transaction each)")
        await measure(db, commune_id, villages, 10)          # warm-up
        timings = await measure(db, commune_id, villages, args.runs)
        print(f"{'query':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for query, values in timings.items():
            print(f"{query:28} {statistics.median(values):8.2f} "
                  f"{percentile(values, 0.95):8.2f} {max(values):8.2f}")
        everything = [v for values in timings.values() for v in values]
        print(f"{'all':28} {statistics.median(everything):8.2f} "
              f"{percentile(everything, 0.95):8.2f} {max(everything):8.2f}")
        await explain(url, commune_id)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
