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
    ("NOTICE_GRACE_MINUTES", "ten"), ("NOTICE_GRACE_MINUTES", "-5"),
    ("GTTS_BASE_URL", "translate.local"), ("QR_BOT_USERNAME", "xa tan hoa"),
    # Weak secrets: too short, or outside Telegram's alphabet, or longer than it allows.
    ("WEBHOOK_SECRET", "short-secret"), ("WEBHOOK_SECRET", "sixteen-chars-ok!"),
    ("WEBHOOK_SECRET", "x" * 257), ("ZALO_WEBHOOK_SECRET", "zalo-secret-1"),
    ("OPEN311_API_KEYS", "province-key-0001,short"),
    ("OPEN311_API_KEYS", "with a space inside it"),
])
def test_malformed_setting_names_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                    value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)
    message = str(error.value.code)
    assert message.startswith(f"Configuration error: {name}:")
    assert "\n" not in message
    assert value not in message  # a secret above all is never echoed


def test_strong_secrets_and_the_new_settings_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "A" * 16)
    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", "z_" * 128)
    monkeypatch.setenv("OPEN311_API_KEYS", "province-key-0001, k#y-with-symbols!")
    monkeypatch.setenv("NOTICE_GRACE_MINUTES", "45")
    monkeypatch.setenv("GTTS_BASE_URL", "http://127.0.0.1:9000/")
    monkeypatch.setenv("QR_BOT_USERNAME", "@xa_tan_hoa_bot")
    settings = load_settings(_env_file=None)
    assert settings.secret() == "A" * 16 and settings.zalo_secret() == "z_" * 128
    assert settings.open311_api_keys == ["province-key-0001", "k#y-with-symbols!"]
    assert settings.notice_grace_minutes == 45
    assert settings.gtts_base_url == "http://127.0.0.1:9000"
    assert settings.qr_bot_username == "xa_tan_hoa_bot"


def test_malformed_grace_stops_start_up_with_one_line(tmp_path) -> None:
    """The scheduler used to ignore a malformed NOTICE_GRACE_MINUTES silently."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
           "TELEGRAM_BOT_TOKEN": "123:abc", "NOTICE_GRACE_MINUTES": "15m"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], check=False, env=env,
                            cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: NOTICE_GRACE_MINUTES:")


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
