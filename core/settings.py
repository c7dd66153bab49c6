"""Settings from the environment (prefix TONGXING_). Created by the caller, never at import time."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.clock import DEFAULT_TIMEZONE

SUPPORTED_LOCALES = ("zh_Hans", "zh_Hant", "en")


class Settings(BaseSettings):
    """Everything configurable. `TONGXING_DATA_DIR` holds the SQLite file, keys and caches."""

    model_config = SettingsConfigDict(env_prefix="TONGXING_", extra="ignore")

    data_dir: Path = Field(default=Path("var"))
    database_url: str | None = None
    default_locale: str = "zh_Hans"
    retention_days: int = 180
    nlu_backend: str = "embedded"
    rasa_url: str | None = None
    # WeChat Official Account (公众号): the server's /wechat endpoint is on when the token is set.
    wechat_token: str | None = None  # the Token entered in the account's server configuration
    wechat_app_id: str | None = None  # AppID: checked inside every encrypted message; customer-service API
    wechat_app_secret: str | None = None  # AppSecret: the access token for customer-service messages
    wechat_aes_key: str | None = None  # EncodingAESKey (43 characters): safe mode; unset = plaintext mode
    wechat_api_url: str = "https://api.weixin.qq.com"  # WeChat's API (another server in tests)
    # One-time subscription messages (一次性订阅消息) for reminders due after the 48-hour window: the
    # template id (公众平台 → 接口权限 → 一次性订阅消息) and the public address of /wechat/subscribed
    # on the account's business domain (业务域名); both set, parents are offered the route.
    wechat_subscribe_template_id: str | None = None
    wechat_subscribe_redirect_url: str | None = None
    telegram_token: str | None = None  # from BotFather; set, the server runs the Telegram channel
    telegram_api_url: str | None = None  # another Bot API server's root (self-hosted, or the emulator)
    telegram_webhook_url: str | None = None  # set: webhook mode (the public URL of /telegram/webhook)
    telegram_webhook_secret: str | None = None  # required with the webhook: Telegram's secret_token
    knowledge_dir: Path | None = None
    secret_key: str | None = None  # Fernet key; the embedded default creates <data_dir>/secret.key
    timezone: str = DEFAULT_TIMEZONE  # an IANA zone: the families' day (reminders, "today", ages)
    quiet_hours: str = "21:00-08:00"  # no reminder in these hours of the family's day (deferred, not dropped)
    reminder_tick_seconds: float = 5.0  # how often the reminder dispatcher looks for due reminders
    # Turns run at once in one server process (threads); unset: 1 on SQLite (it lets one writer in
    # at a time anyway), 2 on PostgreSQL (while one turn waits on the network and the commit, the
    # other computes; with 4, the threads competed for the interpreter: more CPU a turn and a longer
    # tail, measured in the README). See bot/server/channel.py.
    turn_threads: int | None = Field(default=None, ge=1, le=64)
    # The worker console's database work run at once in one process (threads); unset: 1 on SQLite,
    # 4 on PostgreSQL (its requests mostly wait on queries: measured with 4 in the README)
    console_threads: int | None = Field(default=None, ge=1, le=64)
    # The worker console (/console)
    urgent_sla_minutes: int = 30  # an urgent ticket waiting longer is overdue (flagged, shown first)
    console_session_hours: float = 8.0  # a console login lasts at most this long
    console_idle_minutes: float = 30.0  # ... and ends after this long without a request

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from error
        return value

    @field_validator("wechat_aes_key")
    @classmethod
    def _aes_key_shape(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 43 or not value.isascii() or not value.isalnum()):
            raise ValueError(
                "the WeChat EncodingAESKey is 43 letters and digits (from the account's settings)"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str | None) -> str | None:
        # Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("1 to 256 characters: letters, digits, _ and - (Telegram's rule)")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolved_database_url(self) -> str:
        """The database URL; the embedded default is a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tongxing.db').resolve()}"

    def resolved_turn_threads(self) -> int:
        if self.turn_threads is not None:
            return self.turn_threads
        return 1 if self.resolved_database_url().startswith("sqlite") else 2

    def resolved_console_threads(self) -> int:
        if self.console_threads is not None:
            return self.console_threads
        return 1 if self.resolved_database_url().startswith("sqlite") else 4

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
