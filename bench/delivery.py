"""Delivery against Telegram's limit of 30 messages a second: how close the sender gets.

Starts the real bot (`python -m bot run`, webhook mode) against the fake Bot API in its own
process, enforcing Telegram's flood limits strictly (a sliding second of 30 messages, 429
with retry_after beyond), and has N citizens write at once. Prints the messages delivered a
second as a fraction of 30 (over the whole delivery, and its slowest full second), the most
that arrived within any one second, the 429s provoked and the citizens left without a
reply. Each run starts on a new database.

    python bench/delivery.py [--users 1000] [--runs 1] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import time

from _harness import BotProcess, FakeProcess, FakeReport, scratch_database
from durability import SECRET, burst, post_until, wait_replies

LIMIT = 30


def busiest_second(times: list[float]) -> int:
    """The most arrivals within any one second (the fake allows `LIMIT`)."""
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def slowest_second(times: list[float]) -> int:
    """The fewest arrivals in a full second of the delivery, counted from its first."""
    full = int(times[-1] - times[0])
    counts = [0] * full
    for t in times:
        second = int(t - times[0])
        if second < full:
            counts[second] += 1
    return min(counts, default=0)


def summary(report: FakeReport, users: set[int]) -> str:
    times = sorted(at for _, at in report.sends)
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span else float("nan")
    replies = report.per_chat()
    lost = sum(1 for user in users if replies[user] == 0)
    return (f"delivered {len(times)} in {span:.1f} s: {rate / LIMIT:.3f} of {LIMIT}/s "
            f"(slowest second {slowest_second(times) / LIMIT:.2f}, busiest "
            f"{busiest_second(times)})   429s {report.rate_limited}   lost {lost}")


async def one_run(args: argparse.Namespace) -> None:
    updates = burst(args.users)
    async with scratch_database(args.database_url) as database_url:
        with FakeProcess(rate_limits=True) as fake:
            bot = BotProcess(fake, database_url, SECRET)
            await bot.start()
            try:
                started = time.monotonic()
                answered = await post_until(bot.url, updates)
                posted = time.monotonic() - started
                await wait_replies(fake, answered, args.users / LIMIT + 60)
                report = fake.report()
            finally:
                bot.stop()
    print(f"{database_url.split('+', 1)[0]}, {args.users} citizens at once (answered in "
          f"{posted:.1f} s): {summary(report, set(updates))}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="default SQLite; postgresql+asyncpg://user@host:port/any runs on "
                             "a new database of that server")
    args = parser.parse_args()
    for _ in range(args.runs):
        await one_run(args)


if __name__ == "__main__":
    asyncio.run(main())
