"""Configuration from the environment (and `.env`), with the names operators rely on."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_ZALO_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")


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
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    open311_api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Keys that may POST service requests to the Open311 API (comma-separated)."""
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: SecretStr | None = None
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

    @field_validator("telegram_api_base_url", "webhook_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _SECRET.match(str(value)):
            raise ValueError("use 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("zalo_api_base_url")
    @classmethod
    def _zalo_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("zalo_webhook_secret", mode="before")
    @classmethod
    def _zalo_secret(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _ZALO_SECRET.match(str(value)):
            raise ValueError("use 8 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

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
            return [item.strip() for item in value.split(",") if item.strip()]
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

def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value stops with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name}: {first['msg']}") from None
