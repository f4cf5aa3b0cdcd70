"""Webhook throughput and latency of Thôn Số against a bare python-telegram-bot echo bot.

Each bot runs in its own process (`python -m bot run` in webhook mode; `bare_echo_bot.py`),
talking to the same fake Bot API (a process of its own) and driven by the same HTTP load from
this process: N updates from distinct citizens, 50 at a time. After an unmeasured warm-up
(two seconds at 200 updates/s), each bot is paced at 200 updates/s (the latency target), then
given the burst; each run starts on a new, empty database. Prints updates/s, p50/p99
latency, CPU per update, the bots' peak RSS and the throughput ratio.

    python bench/webhook.py [--updates 5000] [--concurrency 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import ROOT, FakeProcess, LoadResult, post_all, scratch_database, wait_healthy

from tests.fakes.telegram_api import make_message_update
from tests.helpers import free_port

SECRET = "bench-secret-0123456"
WARM_UP = 400
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def updates(count: int, first_id: int) -> list[dict]:
    return [make_message_update(first_id + i, 10_000_000 + first_id + i,
                                10_000_000 + first_id + i, "/start")
            for i in range(count)]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    burst: LoadResult
    paced: LoadResult | None
    peak_rss_mb: float
    cpu_ms_per_update: float    # the bot process's CPU time during the burst, per update


async def measure(command: list[str], env: dict[str, str], port: int, count: int,
                  concurrency: int, paced: int, first_id: int) -> Measured:
    # Popen returns at once: the bot runs beside this loop.
    process = subprocess.Popen(command, env=env, cwd=ROOT,  # noqa: ASYNC220
                               stdout=subprocess.DEVNULL)
    try:
        await wait_healthy(port, process)
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        # Not measured: a freshly started bot's first second (statements compiled and
        # prepared on each connection, code paths loaded) costs up to ~0.7 s a request.
        await post_all(url, updates(WARM_UP, first_id + 9_000_000), concurrency=concurrency,
                       headers=HEADERS, rate=200)
        paced_run = await post_all(url, updates(paced, first_id + 5_000_000),
                                   concurrency=concurrency, headers=HEADERS, rate=200) \
            if paced else None
        cpu_before = cpu_seconds(process.pid)
        burst = await post_all(url, updates(count, first_id), concurrency=concurrency,
                               headers=HEADERS)
        cpu = cpu_seconds(process.pid) - cpu_before
        return Measured(burst, paced_run, peak_rss_mb(process.pid), cpu * 1000 / count)
    finally:
        stopping = time.monotonic()
        process.terminate()
        process.wait(60)
        print(f"{command[-1]}: stopped {time.monotonic() - stopping:.1f} s after SIGTERM",
              file=sys.stderr)


async def run_both(args: argparse.Namespace, database_url: str, fake: FakeProcess
                   ) -> tuple[Measured, Measured]:
    base_env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")}
    port = free_port()
    bare = await measure(
        [sys.executable, str(ROOT / "bench" / "bare_echo_bot.py"), "--api", fake.url,
         "--token", fake.token, "--port", str(port), "--secret", SECRET],
        base_env, port, args.updates, args.concurrency, args.paced, 1)
    port = free_port()
    env = {**base_env, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.url, "HOST": "127.0.0.1", "PORT": str(port),
           "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}", "WEBHOOK_SECRET": SECRET,
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    ours = await measure([sys.executable, "-m", "bot", "run"], env, port, args.updates,
                         args.concurrency, args.paced, 1_000_000)
    return bare, ours


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--paced", type=int, default=2000, help="updates in the 200/s run")
    parser.add_argument("--database-url", default=None,
                        help="default SQLite; postgresql+asyncpg://user@host:port/any runs on "
                             "a new database of that server")
    args = parser.parse_args()
    async with scratch_database(args.database_url) as database_url:
        with FakeProcess() as fake:
            bare, ours = await run_both(args, database_url, fake)
    kind = database_url.split("+", 1)[0]
    print(f"webhook benchmark: {args.updates} updates, {args.concurrency} concurrent, "
          f"database {kind}; each bot in its own process")
    print(bare.burst.line("bare python-telegram-bot echo"))
    if bare.paced is not None:
        print(bare.paced.line("bare echo paced at 200 updates/s"))
    print(ours.burst.line("thonso (dedupe, state, outbox)"))
    if ours.paced is not None:
        print(ours.paced.line("thonso paced at 200 updates/s"))
    print(f"throughput ratio thonso/bare: {ours.burst.rate / bare.burst.rate:.0%}")
    print(f"CPU per update in the burst: bare {bare.cpu_ms_per_update:.2f} ms, "
          f"thonso {ours.cpu_ms_per_update:.2f} ms")
    print(f"peak RSS: bare {bare.peak_rss_mb:.0f} MB, thonso {ours.peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
