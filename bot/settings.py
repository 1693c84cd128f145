"""Runtime configuration read from the environment and an optional `.env` file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = Path("data")


class Framework(StrEnum):
    """Telegram framework used by the polling and webhook run modes."""

    AIOGRAM = "aiogram"
    PTB = "ptb"


class Settings(BaseSettings):
    """All settings; secrets are SecretStr and never printed."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    bot_framework: Framework = Framework.AIOGRAM
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/webhook"
    data_key: SecretStr | None = None
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    policy: str = "hunan-2022"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    bot_username: str | None = None
    invite_ttl_hours: int = 72
    update_retention_hours: int = 24
    log_level: str = "INFO"
    ticket_font: Path | None = None
    reminder_day_before_at: str = "18:00"
    reminder_lead_minutes: int = 60
    send_rate_per_second: float = 30.0  # Telegram's bulk limit; bot/ratelimit.py keeps it as Telegram counts (on arrival)
    scheduler_enabled: bool = True
    cert_query_fail_limit: int = 10
    cert_query_window_minutes: int = 60
    cert_alarm_queries: int = 300
    cert_alarm_window_minutes: int = 10
    checklist_escalate_chief_minutes: int = 10
    checklist_escalate_staff_minutes: int = 20
    staff_deadline_leads: str = "3,0"  # working days before a staff deadline when it is reminded
    staff_deadline_remind_at: str = "09:00"  # local time of staff deadline reminders and overdue escalations
    scheduler_lease_ttl_seconds: float = 30.0  # the scheduler leader's lease; another process takes over after it
    scheduler_lease_renew_seconds: float = 10.0

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2 3` as well as a JSON list."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        """Store the API root without a trailing slash."""
        return value.rstrip("/")

    @field_validator("telegram_bot_token", "webhook_secret", "data_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """Treat an empty variable as unset."""
        return None if value in ("", None) else value

    @property
    def resolved_database_url(self) -> str:
        """DATABASE_URL or the default SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'skillbot.sqlite3').as_posix()}"

    @property
    def has_token(self) -> bool:
        """True when a bot token is configured."""
        return self.telegram_bot_token is not None and bool(self.telegram_bot_token.get_secret_value())
