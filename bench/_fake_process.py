"""The fake Bot API in a process of its own, so that serving the bots under test does not
share an interpreter (and its GIL) with the load generator. Prints its URL and token on one
line, then serves until its standard input closes; a `report` line on its input is answered
with one JSON line: every accepted message (chat, arrival time) and the 429s it answered.

    python bench/_fake_process.py [--rate-limits]   (Telegram's flood limits enforced)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.telegram_api import SEND_METHODS, FakeTelegramAPI, RateLimits


def report(fake: FakeTelegramAPI) -> str:
    sends = [(call.chat_id, call.at) for call in fake.calls
             if call.ok and call.method in SEND_METHODS]
    return json.dumps({"sends": sends, "rate_limited": fake.stats.rate_limited})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limits", action="store_true")
    args = parser.parse_args()
    limits = RateLimits() if args.rate_limits else None
    async with FakeTelegramAPI(long_poll_cap=0.1, rate_limits=limits) as fake:
        print(fake.url, fake.token, flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "report":
                print(report(fake), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
