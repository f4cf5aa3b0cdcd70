"""A notice broadcast to 200 village groups through the fake Bot API with Telegram's flood
limits enforced: time to deliver against the theoretical minimum, 429s, lost and duplicate
deliveries; then what reading a notice aloud costs per minute of audio, per engine and for a
cache hit.

Run from the repository root: ``python -m bench.broadcast`` (SQLite in a temporary directory;
``BENCH_DATABASE_URL`` for PostgreSQL). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter

from bench._harness import FakeOnThread
from bot.app import App
from bot.settings import Settings
from services.audio import EspeakEngine, GTTSEngine, MemoryAudioCache, make_voice
from services.communes import Communes
from services.db import Database, utcnow
from services.models import Chat
from services.notices.audio import DbAudioCache
from services.notices.service import Notices
from services.users import Users
from tests.fakes.telegram_api import RateLimits
from tests.test_audio_tts import NOTICE, FakeGoogleTTS

GROUPS = 200
OFFICIAL = 424242
ROUNDS = 3


def settings(database_url: str, fake_url: str, token: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                    telegram_bot_token=token, telegram_api_base_url=fake_url,
                    webhook_base_url=None, webhook_secret=None, admin_telegram_ids=[])


async def set_up(app: App) -> int:
    """200 linked groups, an official; a notice (text and voice) ready to confirm."""
    async with app.db.transaction() as session:
        commune = (await Communes(session).all())[0]
        for n in range(GROUPS):
            session.add(Chat(channel="telegram", chat_id=str(-1002000000 - n), type="group",
                             title=f"Nhóm {n}", commune_id=commune.id, active=True))
        users = Users(session)
        official, _ = await users.get_or_create("telegram", str(OFFICIAL))
        await users.grant_official(official, commune.id)
        official.onboarded = True
        notice = await Notices(session).create(
            official, commune.id, text=NOTICE, recording=None, village_ids=[],
            priority="normal", mode="both", schedule="now", cron=None, run_at=None,
            now=utcnow())
        return notice.id


async def broadcast(fake_thread: FakeOnThread, database_url: str, google_url: str) -> None:
    fake = fake_thread.fake
    app = App(settings(database_url, fake.url, fake.token))
    app.notices.engines = [GTTSEngine(base_url=google_url), EspeakEngine()]
    await app.start(serve_http=False, scheduler=False)
    try:
        notice_id = await set_up(app)
        await app.notices.tick()                        # make the audio, send the preview
        await app.sender.drain(timeout=10)
        fake.rate_limits = RateLimits()                 # Telegram's limits from now on
        before = len(fake.calls)
        started = time.monotonic()
        async with app.db.transaction() as session:
            notices = Notices(session)
            notice = await notices.get(notice_id)
            assert notice is not None
            run = await notices.confirm(notice, utcnow())
            assert run is not None
        app.sender.wake()
        expected = 2 * GROUPS                           # the text and the voice message

        def group_sends() -> list:
            return [c for c in list(fake.calls)[before:] if c.ok and isinstance(c.chat_id, int)
                    and c.chat_id < 0 and c.method in ("sendMessage", "sendVoice")]

        await until(lambda: len(group_sends()) >= expected, 600)
        done = group_sends()
        elapsed = (done[-1].at if done else time.monotonic()) - started
        await until(lambda: any("đã gửi xong" in str(c.params.get("text"))
                                for c in list(fake.calls)[before:]), 30)
        await asyncio.sleep(1.0)                        # anything late would show up now
        done = group_sends()
        calls = list(fake.calls)[before:]
        per_group = Counter(c.chat_id for c in done)
        lost = sum(max(0, 2 - per_group.get(-1002000000 - n, 0)) for n in range(GROUPS))
        duplicates = sum(max(0, count - 2) for count in per_group.values())
        uploads = sum(1 for c in fake.calls if c.method == "sendVoice" and c.files)
        sends = [c for c in calls if c.ok and c.method in ("sendMessage", "sendVoice")]
        edits = sum(1 for c in calls if c.ok and c.method == "editMessageText")
        minimum = len(sends) / RateLimits().global_per_second
        print(f"broadcast: {GROUPS} groups × (text + voice) = {expected} group messages, "
              f"{len(sends)} sends in all (with the official's progress and report), "
              f"{edits} progress edits")
        print(f"  time to deliver          {elapsed:7.2f} s")
        print(f"  theoretical minimum      {minimum:7.2f} s  ({len(sends)} sends at "
              f"{RateLimits().global_per_second}/s)")
        print(f"  ratio                    {elapsed / minimum:7.2f}")
        print(f"  429 answers received     {fake.stats.rate_limited:7d}")
        print(f"  lost deliveries          {lost:7d}")
        print(f"  duplicate deliveries     {duplicates:7d}  (fake's duplicate count: "
              f"{fake.stats.duplicates})")
        print(f"  voice uploads            {uploads:7d}  (then reused by file_id)")
        outcomes = {sample.labels["outcome"]: int(sample.value)
                    for sample in app.metrics.sends.collect()[0].samples
                    if sample.name.endswith("_total")}
        print(f"  sends by outcome         {outcomes}")
    finally:
        await app.stop()


async def until(check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        if check() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def timed(work) -> float:  # type: ignore[no-untyped-def]
    await work()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def tts_costs(database_url: str, google_url: str) -> None:
    """Seconds of work per minute of audio: each engine uncached, then cache hits."""
    text = " ".join(f"Mục {i}. {NOTICE}" for i in range(1, 4))
    gtts, espeak = GTTSEngine(base_url=google_url), EspeakEngine()
    print("text to speech (seconds of work per minute of audio, median of "
          f"{ROUNDS}; gTTS against the local fake of Google, so without Google's latency):")
    for engine in (gtts, espeak):
        result = await make_voice(text, engines=[engine], cache=MemoryAudioCache())
        seconds = await timed(lambda e=engine: make_voice(text, engines=[e],
                                                          cache=MemoryAudioCache()))
        print(f"  {engine.name:<24} {seconds / result.duration_s * 60:7.3f} s "
              f"({result.duration_s:.1f} s of audio)")
    db = Database(database_url)
    try:
        cache = DbAudioCache(db)
        result = await make_voice(text, engines=[gtts], cache=cache)
        hit = await timed(lambda: make_voice(text, engines=[gtts], cache=cache))
        memory = MemoryAudioCache()
        await make_voice(text, engines=[gtts], cache=memory)
        memory_hit = await timed(lambda: make_voice(text, engines=[gtts], cache=memory))
    finally:
        await db.dispose()
    print(f"  {'cache hit (database)':<24} {hit / result.duration_s * 60:7.3f} s")
    print(f"  {'cache hit (memory)':<24} {memory_hit / result.duration_s * 60:7.3f} s")


async def main() -> None:
    for proxy in ("http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(proxy, None)
        os.environ.pop(proxy.upper(), None)
    with tempfile.TemporaryDirectory() as directory:
        database_url = os.environ.get("BENCH_DATABASE_URL") or \
            f"sqlite+aiosqlite:///{directory}/broadcast.db"
        print(f"database: {database_url.split('://')[0]}")
        async with FakeGoogleTTS() as google:
            fake = FakeOnThread()
            with fake:
                await broadcast(fake, database_url, google.base_url)
            await tts_costs(database_url, google.base_url)


if __name__ == "__main__":
    asyncio.run(main())
