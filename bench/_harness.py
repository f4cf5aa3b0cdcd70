"""Shared pieces of the benchmarks: a fake Bot API on its own thread, paced HTTP load."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402


class FakeOnThread:
    """The fake Bot API on its own event loop, so it does not share the measured loop."""

    def __init__(self) -> None:
        self.fake = FakeTelegramAPI(long_poll_cap=0.1)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeTelegramAPI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def sent(self) -> int:
        return sum(1 for call in list(self.fake.calls) if call.ok and call.method == "sendMessage")


@contextlib.asynccontextmanager
async def scratch_database(server_url: str | None) -> AsyncIterator[str]:
    """A new, empty database for one run: a SQLite file in a temporary folder, or a database
    created on the PostgreSQL server of `server_url` (any database name in it is ignored) and
    dropped afterwards, so that no run inherits rows (or an unsent outbox) from another."""
    if server_url is None or server_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    import asyncpg

    server = server_url.rsplit("/", 1)[0]
    admin_dsn = server.replace("postgresql+asyncpg://", "postgresql://", 1) + "/postgres"
    name = f"thonso_bench_{os.getpid()}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FakeProcess:
    """The fake Bot API in a child process (`_fake_process.py`): the URL and token to give
    the bots, and on request what it accepted (`report`)."""

    def __init__(self, *, rate_limits: bool = False) -> None:
        self.rate_limits = rate_limits

    def __enter__(self) -> FakeProcess:
        flags = ["--rate-limits"] if self.rate_limits else []
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_fake_process.py")), *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.url, self.token = self._process.stdout.readline().split()
        return self

    def report(self) -> FakeReport:
        """What the fake accepted so far."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("report\n")
        self._process.stdin.flush()
        body = json.loads(self._process.stdout.readline())
        return FakeReport([(chat, at) for chat, at in body["sends"]], body["rate_limited"])

    def __exit__(self, *exc: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(10)


@dataclass
class FakeReport:
    sends: list[tuple[int, float]]
    """Every accepted message: (chat id, arrival time in the fake's monotonic seconds)."""
    rate_limited: int

    def per_chat(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.sends)


class BotProcess:
    """`python -m bot run` in webhook mode on a free port, against the fake and database
    given; `kill()` is a `kill -9`."""

    def __init__(self, fake: FakeProcess, database_url: str, secret: str) -> None:
        from tests.helpers import free_port

        self.port = free_port()
        base_env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")}
        self.env = {**base_env, "DATABASE_URL": database_url,
                    "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.url,
                    "HOST": "127.0.0.1", "PORT": str(self.port),
                    "WEBHOOK_BASE_URL": f"http://127.0.0.1:{self.port}",
                    "WEBHOOK_SECRET": secret, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        self.url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        # Popen returns at once: the bot runs beside this loop.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "bot", "run"], env=self.env, cwd=ROOT,
            stdout=subprocess.DEVNULL)
        await wait_healthy(self.port, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)


async def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    import aiohttp

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


@dataclass
class LoadResult:
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self, label: str) -> str:
        return (f"{label:<34} {self.rate:8.0f} updates/s   p50 {self.pct(0.5):6.1f} ms   "
                f"p99 {self.pct(0.99):6.1f} ms   mean {statistics.fmean(self.latencies_ms):6.1f} ms"
                f"   errors {self.errors}")


async def post_all(url: str, bodies: list[dict], *, concurrency: int, headers: dict[str, str],
                   rate: float | None = None) -> LoadResult:
    """POST every body; `concurrency` at once, or paced at `rate` per second."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(body: dict) -> None:
            nonlocal errors
            started = time.perf_counter()
            async with http.post(url, json=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

        async def worker() -> None:
            while not queue.empty():
                await one(queue.get_nowait())

        started = time.perf_counter()
        if rate is None:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        else:
            tasks = []
            for index, body in enumerate(bodies):
                delay = started + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(body)))
            await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    return LoadResult(len(bodies), seconds, latencies, errors)
