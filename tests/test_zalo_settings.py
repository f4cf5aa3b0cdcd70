"""The Zalo settings: optional, validated, and checked by `run`."""

import pytest

from bot.settings import ConfigError, load_settings


def test_zalo_is_off_by_default_with_the_official_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZALO_BOT_TOKEN", "ZALO_API_BASE_URL", "ZALO_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.zalo_token() is None and settings.zalo_secret() is None
    assert settings.zalo_api_base_url == "https://bot-api.zaloplatforms.com"


def test_zalo_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZALO_BOT_TOKEN", "1234:abcd")
    monkeypatch.setenv("ZALO_API_BASE_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", "zalo-secret-0001")
    settings = load_settings(_env_file=None)
    assert settings.zalo_token() == "1234:abcd" and "1234" not in repr(settings)
    assert settings.zalo_api_base_url == "http://127.0.0.1:9999"
    assert settings.zalo_secret() == "zalo-secret-0001"


@pytest.mark.parametrize(("name", "value"), [
    ("ZALO_WEBHOOK_SECRET", "short"), ("ZALO_WEBHOOK_SECRET", "has spaces in it"),
    ("ZALO_WEBHOOK_SECRET", "fifteen-chars-x"),
    ("ZALO_API_BASE_URL", "ftp://zalo"),
])
def test_malformed_zalo_setting_names_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                         value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None)


def test_run_with_zalo_only() -> None:
    polling = load_settings(_env_file=None, telegram_bot_token=None, zalo_bot_token="1:z",
                            webhook_base_url=None)
    polling.require_for_run()
    webhook = load_settings(_env_file=None, telegram_bot_token=None, zalo_bot_token="1:z",
                            webhook_base_url="https://gw.example.vn", webhook_secret=None,
                            zalo_webhook_secret=None)
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_SECRET"):
        webhook.require_for_run()
    load_settings(_env_file=None, telegram_bot_token=None, zalo_bot_token="1:z",
                  webhook_base_url="https://gw.example.vn", webhook_secret=None,
                  zalo_webhook_secret="zalo-secret-0001").require_for_run()
