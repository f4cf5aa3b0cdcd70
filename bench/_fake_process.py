"""The fake Bot API in a process of its own, so that serving the bots under test does not
share an interpreter (and its GIL) with the load generator. Prints its URL and token on one
line, then serves until its standard input closes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.telegram_api import FakeTelegramAPI


async def main() -> None:
    async with FakeTelegramAPI(long_poll_cap=0.1) as fake:
        print(fake.url, fake.token, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
