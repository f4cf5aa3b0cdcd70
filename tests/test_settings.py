import os
import subprocess
import sys

import pytest

from bot.settings import ConfigError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "PORT", "HOST", "TIMEZONE", "DEFAULT_LANGUAGE",
                 "ADMIN_TELEGRAM_IDS", "WEBHOOK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./thonso.db"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.telegram_api_base_url == "https://api.telegram.org"
    assert settings.default_language == "vi"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert not settings.webhook_mode


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "111, 222")
    monkeypatch.setenv("WEBHOOK_BASE_URL", "https://gw.example.vn/thonso/")
    monkeypatch.setenv("PORT", "9000")
    settings = load_settings(_env_file=None)
    assert settings.admin_telegram_ids == [111, 222]
    assert settings.webhook_base_url == "https://gw.example.vn/thonso"
    assert settings.webhook_mode and settings.port == 9000


@pytest.mark.parametrize(("name", "value"), [
    ("PORT", "eighty"), ("PORT", "70000"), ("TIMEZONE", "Mars/Olympus"),
    ("ADMIN_TELEGRAM_IDS", "12,abc"), ("DATABASE_URL", "mysql://x"),
    ("WEBHOOK_SECRET", "has spaces!"), ("DEFAULT_LANGUAGE", "fr"),
])
def test_malformed_setting_names_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                    value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)
    message = str(error.value.code)
    assert message.startswith(f"Configuration error: {name}:")
    assert "\n" not in message


def test_run_without_token_stops_with_one_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    result = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: TELEGRAM_BOT_TOKEN is not set (needed by `run`; "
        "try `python -m bot console` to chat without a token)"]


def test_webhook_mode_requires_secret() -> None:
    settings = load_settings(_env_file=None, telegram_bot_token="1:x",
                             webhook_base_url="https://gw.example.vn", webhook_secret=None)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        settings.require_for_run()
