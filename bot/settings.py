"""Configuration from the environment (and `.env`), with the names operators rely on."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.timezones import VIETNAM_TZ_NAME

_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
"""Telegram allows 1–256 characters of this alphabet for a webhook's secret token; fewer than
16 could be guessed. Zalo's secret is held to the same rule."""
_API_KEY = re.compile(r"^[!-~]{16,}$")
"""Visible ASCII without spaces (a key is sent in a form field or a query string)."""
_USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")


class ConfigError(SystemExit):
    """Start-up stops with one line naming the setting."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Configuration error: {message}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", case_sensitive=False)

    database_url: str = "sqlite+aiosqlite:///./thonso.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    webhook_base_url: str | None = None
    webhook_secret: SecretStr | None = None
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)
    admin_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_language: Literal["vi", "en"] = "vi"
    timezone: str = VIETNAM_TZ_NAME
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    open311_api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Keys that may POST service requests to the Open311 API (comma-separated)."""
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: SecretStr | None = None
    # Retention (Decree 13/2023/NĐ-CP), in days: see services/retention.py.
    retention_processed_updates_days: int = Field(default=7, ge=1)
    retention_sent_payload_days: int = Field(default=30, ge=1)
    notice_grace_minutes: int | None = Field(default=None, ge=0)
    """How late a notice occurrence may still be sent (unset: the scheduler's default)."""
    gtts_base_url: str | None = None
    """Google's speech endpoint (tests and mirrors); unset: gTTS's own."""
    qr_bot_username: str | None = None
    """The bot's username for QR links when it cannot be asked (no Telegram token)."""
    qr_zalo_link: str | None = None
    """The link that opens the commune's Zalo account (`https://zalo.me/…`): when set, posters
    carry a second code for Zalo."""
    ops_map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Map tiles of the operations room (a province may run its own tile server)."""

    def ops_url(self) -> str:
        """The operations room as a browser reaches it: behind the gateway in webhook mode,
        else this server's own address."""
        if self.webhook_base_url:
            return f"{self.webhook_base_url}/ops"
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}/ops"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_api_base_url", "webhook_base_url", "gtts_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("webhook_secret", "zalo_webhook_secret", mode="before")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _SECRET.match(str(value)):
            raise ValueError("too weak or malformed: use 16 to 256 characters of "
                             "A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("qr_bot_username", mode="before")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _USERNAME.match(str(value)):
            raise ValueError("must be a Telegram username (5 to 32 letters, digits and _)")
        return str(value).lstrip("@")

    @field_validator("zalo_api_base_url")
    @classmethod
    def _zalo_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            if not all(re.fullmatch(r"-?\d+", item) for item in items):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return [int(item) for item in items]
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value

    @field_validator("open311_api_keys", mode="before")
    @classmethod
    def _api_keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list) and not all(_API_KEY.match(str(key)) for key in value):
            raise ValueError("a key is too weak or malformed: each needs at least 16 "
                             "visible characters without spaces")
        return value

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_base_url)

    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def secret(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    def zalo_token(self) -> str | None:
        return self.zalo_bot_token.get_secret_value() if self.zalo_bot_token else None

    def zalo_secret(self) -> str | None:
        return self.zalo_webhook_secret.get_secret_value() if self.zalo_webhook_secret else None

    def require_for_run(self) -> None:
        if not self.token() and not self.zalo_token():
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set (needed by `run`; "
                              "try `python -m bot console` to chat without a token)")
        if self.token() and self.webhook_mode and not self.secret():
            raise ConfigError("WEBHOOK_SECRET is not set (required when WEBHOOK_BASE_URL is set)")
        if self.zalo_token() and self.webhook_mode and not self.zalo_secret():
            raise ConfigError("ZALO_WEBHOOK_SECRET is not set (required when ZALO_BOT_TOKEN "
                              "and WEBHOOK_BASE_URL are set)")

def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value stops with one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name}: {first['msg']}") from None
