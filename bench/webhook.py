"""Webhook throughput and latency of Thôn Số against a bare python-telegram-bot echo bot.

Each bot runs in its own process (`python -m bot run` in webhook mode; `bare_echo_bot.py`),
talking to the same fake Bot API (a thread of this process) and driven by the same HTTP load:
N updates from distinct citizens, 50 at a time, then a paced run at 200 updates/s. Prints
updates/s, p50/p99 latency, the bots' peak RSS and the throughput ratio.

    python bench/webhook.py [--updates 5000] [--concurrency 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from _harness import ROOT, FakeOnThread, LoadResult, post_all

from tests.fakes.telegram_api import make_message_update
from tests.helpers import free_port

SECRET = "bench-secret"
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


async def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"bot exited with {process.returncode}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("bot did not become healthy")


async def measure(command: list[str], env: dict[str, str], port: int, count: int,
                  concurrency: int, paced: int, first_id: int
                  ) -> tuple[LoadResult, LoadResult | None, float]:
    # Popen returns at once: the bot runs beside this loop.
    process = subprocess.Popen(command, env=env, cwd=ROOT,  # noqa: ASYNC220
                               stdout=subprocess.DEVNULL)
    try:
        await wait_healthy(port, process)
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        burst = await post_all(url, updates(count, first_id), concurrency=concurrency,
                               headers=HEADERS)
        paced_run = await post_all(url, updates(paced, first_id + 5_000_000),
                                   concurrency=concurrency, headers=HEADERS, rate=200) \
            if paced else None
        return burst, paced_run, peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--paced", type=int, default=2000, help="updates in the 200/s run")
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file; e.g. postgresql+asyncpg://…")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeOnThread() as fake:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        base_env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")}
        port = free_port()
        bare = await measure(
            [sys.executable, str(ROOT / "bench" / "bare_echo_bot.py"), "--api", fake.url,
             "--token", fake.token, "--port", str(port), "--secret", SECRET],
            base_env, port, args.updates, args.concurrency, 0, 1)
        port = free_port()
        env = {**base_env, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_API_BASE_URL": fake.url, "HOST": "127.0.0.1", "PORT": str(port),
               "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}", "WEBHOOK_SECRET": SECRET,
               "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        ours = await measure([sys.executable, "-m", "bot", "run"], env, port, args.updates,
                             args.concurrency, args.paced, 1_000_000)
    kind = database_url.split("+", 1)[0]
    print(f"webhook benchmark: {args.updates} updates, {args.concurrency} concurrent, "
          f"database {kind}; each bot in its own process")
    print(bare[0].line("bare python-telegram-bot echo"))
    print(ours[0].line("thonso (dedupe, state, outbox)"))
    if ours[1] is not None:
        print(ours[1].line("thonso paced at 200 updates/s"))
    print(f"throughput ratio thonso/bare: {ours[0].rate / bare[0].rate:.0%}")
    print(f"peak RSS: bare {bare[2]:.0f} MB, thonso {ours[2]:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
