"""`python -m bot zalo info` for operators, against the fake Zalo Bot API."""

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.zalo_api import FakeZaloAPI

ROOT = Path(__file__).resolve().parents[1]


async def run_cli(*args: str, **env: str) -> tuple[int, str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZALO_", "TELEGRAM_"))}
    environ.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_zalo_info_shows_the_bot_and_its_webhook(tmp_path: Path) -> None:
    async with FakeZaloAPI() as fake:
        fake.webhook = {"url": "https://gw.example.vn/thonso/zalo/webhook",
                        "secret_token": "x" * 8}
        code, out, err = await run_cli(
            "zalo", "info", ZALO_BOT_TOKEN=fake.token, ZALO_API_BASE_URL=fake.url,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[0] == "bot id: 1459232241454765289"
        assert lines[1] == "account: bot.ThonSoTest (BASIC)"
        assert lines[2] == "webhook url: https://gw.example.vn/thonso/zalo/webhook"
        assert [c.method for c in fake.calls] == ["getMe", "getWebhookInfo"]


async def test_zalo_info_reports_a_bad_token_and_a_missing_one(tmp_path: Path) -> None:
    async with FakeZaloAPI() as fake:
        code, out, err = await run_cli(
            "zalo", "info", ZALO_BOT_TOKEN="wrong", ZALO_API_BASE_URL=fake.url,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
        assert code == 1 and out == ""
        assert err.strip() == "Zalo Bot API refused getMe: 401 Unauthorized"
    code, _, err = await run_cli("zalo", "info",
                                 DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    assert code == 2 and err.strip() == "Configuration error: ZALO_BOT_TOKEN is not set"
