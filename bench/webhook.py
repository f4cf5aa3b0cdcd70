"""Webhook throughput and latency of the real app against a bare python-telegram-bot echo bot.

Both run in this process against the same fake Bot API (on its own thread) and the same HTTP
load: N updates from distinct citizens, 50 at a time; then a paced run at 200 updates/s for the
latency target. Prints updates/s, p50/p99 latency, peak RSS and the throughput ratio.

    python bench/webhook.py [--updates 5000] [--concurrency 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

import psutil
from _harness import FakeOnThread, LoadResult, post_all
from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import App
from tests.fakes.telegram_api import make_message_update
from tests.helpers import free_port, settings_for

SECRET = "bench-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def updates(count: int, first_id: int) -> list[dict]:
    return [make_message_update(first_id + i, 10_000_000 + first_id + i,
                                10_000_000 + first_id + i, "/start")
            for i in range(count)]


async def bare_echo_bot(fake, count: int, concurrency: int) -> LoadResult:  # type: ignore[no-untyped-def]
    """python-telegram-bot's Application echoing each message, behind a minimal aiohttp
    webhook (what a bot without a database does)."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message(update.effective_message.text or "…")

    application = (Application.builder().token(fake.token).base_url(f"{fake.url}/bot")
                   .updater(None).connection_pool_size(64).build())
    application.add_handler(MessageHandler(filters.ALL, echo))
    await application.initialize()

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return web.Response(status=403)
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return web.Response(text="ok")

    server = web.Application()
    server.router.add_post("/webhook", webhook)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        return await post_all(f"http://127.0.0.1:{port}/webhook", updates(count, 1),
                              concurrency=concurrency, headers=HEADERS)
    finally:
        await runner.cleanup()
        await application.shutdown()


async def thonso(fake, database_url: str, count: int, concurrency: int,  # type: ignore[no-untyped-def]
                 paced: int) -> tuple[LoadResult, LoadResult, float]:
    port = free_port()
    settings = settings_for(database_url, telegram_bot_token=fake.token,
                            telegram_api_base_url=fake.url, host="127.0.0.1", port=port,
                            webhook_base_url=f"http://127.0.0.1:{port}", webhook_secret=SECRET,
                            log_level="WARNING")
    app = App(settings)
    app.set_config(flood_limit=10**9)
    await app.start()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    try:
        burst = await post_all(url, updates(count, 1_000_000), concurrency=concurrency,
                               headers=HEADERS)
        paced_run = await post_all(url, updates(paced, 2_000_000), concurrency=concurrency,
                                   headers=HEADERS, rate=200)
        started = time.perf_counter()
        await app.sender.drain(timeout=120)
        drain = time.perf_counter() - started
    finally:
        await app.stop()
    return burst, paced_run, drain


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--paced", type=int, default=2000, help="updates in the 200/s run")
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file; e.g. postgresql+asyncpg://…")
    args = parser.parse_args()
    process = psutil.Process(os.getpid())
    with tempfile.TemporaryDirectory() as tmp, FakeOnThread() as fake:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        rss_before = process.memory_info().rss
        bare = await bare_echo_bot(fake, args.updates, args.concurrency)
        ours, paced, drain = await thonso(fake, database_url, args.updates, args.concurrency,
                                          args.paced)
        peak = max(process.memory_info().rss, getattr(process.memory_info(), "peak_wset", 0))
    kind = database_url.split("+", 1)[0]
    print(f"webhook benchmark: {args.updates} updates, {args.concurrency} concurrent, "
          f"database {kind}")
    print(bare.line("bare python-telegram-bot echo"))
    print(ours.line("thonso (dedupe, state, outbox)"))
    print(paced.line("thonso paced at 200 updates/s"))
    print(f"throughput ratio thonso/bare: {ours.rate / bare.rate:.0%}")
    print(f"outbox drained after the load in {drain:.1f} s")
    print(f"RSS: {rss_before / 2**20:.0f} MB at start, {peak / 2**20:.0f} MB at the end "
          f"(whole process: fake API, load generator and both bots)")


if __name__ == "__main__":
    asyncio.run(main())
