"""A `kill -9` in the middle of a burst: nothing lost, at most the sends in flight doubled.

Starts the real bot (`python -m bot run`, webhook mode) against the fake Bot API in its own
process (Telegram's flood limits enforced), posts a burst of updates from distinct citizens,
kills the bot with SIGKILL once a share of them was answered, starts it again, posts again
what was not answered 2xx (as Telegram redelivers), and waits for every citizen's reply.
Prints the citizens left without a reply (lost, must be 0) and those who got it twice
(doubled: only a send in flight at the kill may go twice). Each run starts on a new database.

    python bench/durability.py [--updates 400] [--kill-at 0.5] [--runs 1] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

import aiohttp
from _harness import BotProcess, FakeProcess, scratch_database

from tests.fakes.telegram_api import make_message_update

SECRET = "bench-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
FIRST_USER = 20_000_000
CONCURRENCY = 50


def burst(count: int) -> dict[int, dict]:
    return {FIRST_USER + i: make_message_update(1 + i, FIRST_USER + i, FIRST_USER + i, "/start")
            for i in range(count)}


async def post_until(url: str, updates: dict[int, dict], stop_after: int | None = None,
                     on_stop: Callable[[], None] = lambda: None) -> set[int]:
    """POST the updates, CONCURRENCY at a time; return the users whose update was answered
    2xx. With `stop_after`, `on_stop()` is called once that many were answered (the kill),
    and what was not answered by then stays unanswered."""
    answered: set[int] = set()
    queue = list(updates.items())
    killed = asyncio.Event()

    async def worker(http: aiohttp.ClientSession) -> None:
        while queue and not killed.is_set():
            user, body = queue.pop(0)
            try:
                async with http.post(url, json=body, headers=HEADERS) as response:
                    await response.read()
                    ok = 200 <= response.status < 300
            except aiohttp.ClientError:
                ok = False
            if ok and not killed.is_set():
                answered.add(user)
                if stop_after is not None and len(answered) >= stop_after:
                    killed.set()
                    on_stop()

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
    return answered


async def wait_replies(fake: FakeProcess, users: set[int], timeout: float) -> float:
    """Wait until every user has a reply; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if users <= set(fake.report().per_chat()):
            break
        await asyncio.sleep(1.0)
    return time.monotonic() - started


async def one_run(args: argparse.Namespace) -> None:
    updates = burst(args.updates)
    async with scratch_database(args.database_url) as database_url:
        with FakeProcess(rate_limits=True) as fake:
            bot = BotProcess(fake, database_url, SECRET)
            await bot.start()
            try:
                answered = await post_until(bot.url, updates,
                                            int(args.updates * args.kill_at), bot.kill)
                at_kill = fake.report()
                await bot.start()
                redelivered = {u: body for u, body in updates.items() if u not in answered}
                again = await post_until(bot.url, redelivered)
                took = await wait_replies(fake, set(updates), args.timeout)
                await asyncio.sleep(args.settle)   # a late second copy would arrive by now
                final = fake.report()
            finally:
                bot.stop()
    replies = final.per_chat()
    lost = sum(1 for user in updates if replies[user] == 0)
    doubled = sum(1 for user in updates if replies[user] > 1)
    print(f"{database_url.split('+', 1)[0]}: killed after {len(answered)} answered updates "
          f"and {len(at_kill.sends)} replies sent; redelivered {len(redelivered)} "
          f"({len(redelivered) - len(again)} refused); all replies {took:.0f} s later")
    print(f"  lost {lost}   doubled {doubled}   429s {final.rate_limited}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="share of the burst answered when the bot is killed")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for the replies after the restart (a dead "
                             "process's lease runs 60 s)")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--database-url", default=None,
                        help="default SQLite; postgresql+asyncpg://user@host:port/any runs on "
                             "a new database of that server")
    args = parser.parse_args()
    for _ in range(args.runs):
        await one_run(args)


if __name__ == "__main__":
    asyncio.run(main())
