"""Benchmark: one citizen's erasure, and one retention pass, over a large outbox.

Erasure searches every outbox payload for the person's traces (a text match, no index can
serve it), so its cost grows with the outbox that retention has not yet blanked. Loads
`--rows` outbox rows (30 days of messages: a tenth pending, the rest sent; one in a thousand
quotes the citizen), gives the citizen `--reports` reports, then times `privacy.erase` and
`retention.prune` on a new SQLite file and a new PostgreSQL database.

    python bench/erasure.py [--rows 100000] [--reports 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from bench._harness import scratch_database
from bot.migrate import upgrade
from services import privacy, schema  # noqa: F401  (every model)
from services.communes import Communes
from services.db import Database, utcnow
from services.feedback.models import FeedbackReport
from services.feedback.service import Draft, FeedbackReports
from services.models import OutboxMessage, User
from services.outbox import message_values
from services.retention import Policy, prune
from services.users import Users

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def outbox_rows(count: int, quote: str) -> list[dict[str, object]]:
    now = utcnow()
    rows = []
    for i in range(count):
        text = f"Thông báo số {i} của UBND xã về lịch tiêm phòng"
        if i % 1000 == 0:
            text += f"\nNội dung: {quote}"
        row = message_values("telegram", str(10_000 + i % 5000), text=text)
        moment = now - timedelta(days=30 * i / count)
        if i % 10:
            row.update(status="sent", sent_at=moment)
        row.update(created_at=moment, next_attempt_at=moment)
        rows.append(row)
    return rows


async def run(url: str, rows: int, reports: int) -> None:
    db = Database(url)
    await upgrade(db)
    quote = "Ổ gà sâu trước nhà, xe máy ngã liên tục"
    async with db.transaction() as session:
        commune = await Communes(session).ensure_demo() or (await Communes(session).all())[0]
        citizen, _ = await Users(session).get_or_create("telegram", "777")
        await privacy.give_consent(citizen, "Trần Thị Hoa")
        for n in range(reports):
            await FeedbackReports(session).file(Draft(commune_id=commune.id, category="roads",
                                               description=f"{quote} ({n})"), None, utcnow())
        # Filed unattributed, then given to the citizen: the hourly limit is not measured here.
        await session.execute(update(FeedbackReport).values(reporter_id=citizen.id))
        connection = await session.connection()
        messages = outbox_rows(rows, quote)
        for start in range(0, rows, 5000):
            await connection.execute(OutboxMessage.__table__.insert(),
                                     messages[start:start + 5000])
    async with db.transaction() as session:
        user = await session.get(User, citizen.id)
        assert user is not None
        started = time.perf_counter()
        await privacy.erase(session, user)
    erase_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    async with db.transaction() as session:
        pruned = await prune(session, Policy(sent_payloads=timedelta(days=15)), utcnow())
    prune_ms = (time.perf_counter() - started) * 1000
    await db.dispose()
    print(f"{url.split(':')[0]:>20}: {rows} outbox rows, {reports} reports: "
          f"erase {erase_ms:.0f} ms; retention pass {prune_ms:.0f} ms "
          f"({pruned.payloads} payloads blanked)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    for server in (None, args.postgres):
        async with scratch_database(server) as url:
            await run(url, args.rows, args.reports)


if __name__ == "__main__":
    asyncio.run(main())
