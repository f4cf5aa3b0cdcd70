"""PostgreSQL connections cut in the middle of webhook traffic: no update is lost.

The bot runs as in `webhook.py` (`python -m bot run` in webhook mode, the fake Bot API in a
process of its own) on a new database reached through a TCP proxy on loopback (in this
process, on a thread of its own) in front of the PostgreSQL server, which is never touched.
N updates from distinct citizens are posted, C at a time; every `--cut-every` seconds the
proxy drops every connection, as a restart of the server does. An update not answered 2xx is
posted again a second later, as Telegram redelivers it, up to 10 times. Prints the updates
lost (not recorded, or recorded with an apology instead of their answer: must be 0), the
apologies queued (must be 0: a fault of the database is not the citizen's), the
redeliveries and the requests that took longer than 10 s.

    python bench/faults.py [--updates 2000] [--concurrency 20] [--cut-every 2]
                           [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/x]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from _harness import ROOT, FakeProcess, scratch_database
from sqlalchemy.engine import make_url
from webhook import HEADERS, SECRET, updates, wait_healthy

from locales import Translator
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import free_port

REDELIVERIES = 10
SLOW_S = 10.0


class ProxyOnThread:
    """The proxy on its own event loop, so the load it carries does not share the loop
    that measures the requests."""

    def __init__(self, host: str, port: int) -> None:
        self.proxy = TcpProxy(host, port)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ProxyOnThread:
        self._thread.start()
        self.port = self._call(self.proxy.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self._call(self.proxy.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def cut(self) -> int:
        async def cut() -> int:
            return self.proxy.cut()
        return self._call(cut())

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)


@dataclass
class Traffic:
    statuses: Counter[int | str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)
    """Update ids never answered 2xx, after every redelivery."""


async def deliver(url: str, bodies: list[dict], concurrency: int) -> Traffic:
    """Post every update as Telegram would: again a second later until answered 2xx."""
    traffic = Traffic()
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def post(body: dict) -> bool:
            started = time.perf_counter()
            try:
                async with http.post(url, json=body, headers=HEADERS) as response:
                    await response.read()
                    status: int | str = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                status = type(error).__name__
            traffic.latencies_s.append(time.perf_counter() - started)
            traffic.statuses[status] += 1
            return isinstance(status, int) and 200 <= status < 300

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                for _ in range(1 + REDELIVERIES):
                    if await post(body):
                        break
                    await asyncio.sleep(1)
                else:
                    traffic.unanswered.append(body["update_id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return traffic


async def cut_while(proxy: ProxyOnThread, running: asyncio.Task[Traffic],
                    every: float) -> list[int]:
    cuts = []
    while not running.done():
        await asyncio.wait({running}, timeout=every)
        if not running.done():
            cuts.append(await asyncio.to_thread(proxy.cut))
    return cuts


async def outcome(database_url: str, bodies: list[dict]) -> tuple[int, int]:
    """(updates lost, apologies queued), read from the database directly. Each update is a
    new citizen's /start: its answer is the one message to its chat."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    apology = [Translator(language)("errors.internal") for language in ("vi", "en")]
    connection = await asyncpg.connect(dsn)
    try:
        recorded = {row[0] for row in await connection.fetch(
            "SELECT update_key FROM processed_updates WHERE channel = 'telegram'")}
        replied = Counter(row[0] for row in await connection.fetch(
            "SELECT chat_id FROM outbox WHERE channel = 'telegram' "
            "AND payload->>'text' <> ALL($1::text[])", apology))
        apologies = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE payload->>'text' = ANY($1::text[])", apology)
    finally:
        await connection.close()
    lost = sum(1 for body in bodies if str(body["update_id"]) not in recorded
               or not replied[str(body["message"]["chat"]["id"])])
    return lost, apologies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--cut-every", type=float, default=2.0, help="seconds between cuts")
    parser.add_argument("--database-url",
                        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    bodies = updates(args.updates, 1)
    async with scratch_database(args.database_url) as database_url:
        url = make_url(database_url)
        with ProxyOnThread(url.host or "127.0.0.1", url.port or 5432) as proxy, \
                FakeProcess() as fake, tempfile.TemporaryFile() as bot_log:
            port = free_port()
            env = {**{k: v for k, v in os.environ.items() if not k.endswith("_PROXY")},
                   "DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port)
                   .render_as_string(hide_password=False),
                   "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.url,
                   "HOST": "127.0.0.1", "PORT": str(port),
                   "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}", "WEBHOOK_SECRET": SECRET,
                   "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
            # Popen returns at once: the bot runs beside this loop.
            bot = subprocess.Popen([sys.executable, "-m", "bot", "run"],  # noqa: ASYNC220
                                   env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=bot_log)
            try:
                await wait_healthy(port, bot)
                running = asyncio.create_task(deliver(
                    f"http://127.0.0.1:{port}/telegram/webhook", bodies, args.concurrency))
                started = time.perf_counter()
                cuts = await cut_while(proxy, running, args.cut_every)
                traffic = await running
                seconds = time.perf_counter() - started
            finally:
                bot.terminate()
                bot.wait(60)
        lost, apologies = await outcome(database_url, bodies)
    slow = sum(1 for latency in traffic.latencies_s if latency > SLOW_S)
    print(f"database faults: {args.updates} updates, {args.concurrency} concurrent, "
          f"{len(cuts)} cuts of every PostgreSQL connection ({sum(cuts)} connections dropped) "
          f"in {seconds:.1f} s")
    print("answers: " + ", ".join(f"{status}: {count}"
                                  for status, count in sorted(traffic.statuses.items(), key=str)))
    print(f"redeliveries: {sum(traffic.statuses.values()) - args.updates}; never answered 2xx: "
          f"{len(traffic.unanswered)}")
    print(f"updates lost: {lost}; apologies queued: {apologies}")
    print(f"requests over {SLOW_S:.0f} s: {slow}; slowest {max(traffic.latencies_s):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
