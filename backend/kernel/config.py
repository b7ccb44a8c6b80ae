"""All of frontdesk's settings, in one place.

Every process (backend, bot, NLU tooling, CLI) reads its configuration from this one
pydantic-settings object: environment variables first, then an optional `.env` file in the
working directory. Nothing else in the code base reads `os.environ` for configuration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults. They make the embedded default run with no configuration at all and
# are refused outside `ENVIRONMENT=development` (see `_refuse_development_secrets`).
DEV_ENCRYPTION_KEY = "ZnJvbnRkZXNrLWRldi1rZXktbm90LWZvci1wcm9kISE="
DEV_STAFF_TOKEN = "dev-staff-token"
DEV_INTERNAL_SECRET = "dev-internal-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    # Working files of the embedded default: SQLite databases, logs, pid files.
    data_dir: Path = Path("var")

    # --- backend -------------------------------------------------------------------------
    database_url: str = "sqlite+aiosqlite:///var/frontdesk.db"
    backend_host: str = "127.0.0.1"
    backend_port: int = 8000
    # Where the bot reaches the backend.
    backend_url: str = "http://127.0.0.1:8000"
    # Fernet keys for personal data at rest, comma separated; the first encrypts, all decrypt
    # (so a key can be rotated in).
    field_encryption_keys: str = DEV_ENCRYPTION_KEY
    # Static bearer token acting as the admin "api": bootstrap and automation. People sign in
    # with their own accounts (`frontdesk staff create-admin`).
    staff_api_token: str = DEV_STAFF_TOKEN
    # Staff sign-ins: lifetime of an API token (POST /api/v1/auth/token) and of a console
    # session. Failed sign-ins are remembered for the window; after `login_max_failures` for
    # one username from one address (or `login_max_failures_per_address` for any usernames
    # from one address) that address waits (429) `login_backoff_seconds`, doubling with each
    # further failure up to `login_backoff_max_seconds`. Other addresses are not affected, so
    # nobody can lock an account out from afar (docs/security.md).
    staff_token_hours: float = 12.0
    console_session_hours: float = 12.0
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_seconds: int = 900
    login_backoff_seconds: float = 30.0
    login_backoff_max_seconds: float = 900.0
    # Origins (scheme://host[:port]) besides the backend's own address allowed to POST
    # /console/login, comma separated (the console behind a proxy under another name).
    console_allowed_origins: str = ""
    # Requests per minute per client address (429 with Retry-After beyond): sign-ins, and any
    # request without credentials. Per process, in memory (docs/security.md).
    rate_limit_enabled: bool = True
    rate_limit_login_per_minute: int = 20
    rate_limit_public_per_minute: int = 120
    # Addresses or networks of the reverse proxies in front of the backend and the bot (comma
    # separated, e.g. the edge's network "172.28.0.0/24"): only requests from them have their
    # X-Forwarded-For / X-Forwarded-Proto believed, so that the rate limits and the sign-in
    # back-off see each client's own address. Empty (default): no proxy, nobody is believed.
    forwarded_allow_ips: str = ""
    # Shared secret between bot and backend: the HMAC key that signs the internal calls both
    # ways (pushes to the bot, the bot's API calls; the secret itself is never sent).
    internal_secret: str = DEV_INTERNAL_SECRET
    # Outbox dispatcher: how often it looks for work, and the ceiling of its retry backoff.
    outbox_poll_seconds: float = 1.0
    outbox_max_backoff_seconds: float = 60.0
    # Run the dispatcher inside the backend process (tests drive `run_once()` themselves).
    outbox_dispatcher_enabled: bool = True
    # One push's HTTP timeout; a claimed message is retried by anyone after 3x this.
    outbox_delivery_timeout_seconds: float = 10.0
    # Messages claimed per round (at most one per ticket, delivered concurrently).
    outbox_batch_size: int = 20
    # Time zone of the date in ticket numbers (RS-20261124-0007).
    ticket_timezone: str = "Asia/Shanghai"

    # When staff are there (local time in TICKET_TIMEZONE): "08:00-20:00", ISO weekdays "1-7".
    business_hours: str = "08:00-20:00"
    business_days: str = "1-7"
    # The appointment windows (local hours) staff book visits in, which end a visit's on-site
    # clock, and which the bot reads a customer's "3pm" or "明天上午" into: `name=HH:MM-HH:MM`
    # for each of morning, afternoon and evening (backend/kernel/business_calendar.py).
    appointment_windows: str = "morning=08:00-12:00,afternoon=12:00-18:00,evening=18:00-20:00"
    # SLA worker (backend/sla/worker.py): breaches, appointment reminders, acceptance timeouts.
    sla_worker_enabled: bool = True
    sla_poll_seconds: float = 60.0
    # Telegram chat (a supervisors' group) that gets SLA breach, new complaint and escalation
    # alerts; unset: none are sent.
    staff_alert_chat_id: str | None = None
    # A job the customer neither accepts nor rejects within this time is resolved.
    acceptance_timeout_hours: float = 72.0
    # Minutes per place in the live queue when there is no recent history to go by (the
    # expected wait told to a waiting customer comes from the last customers' waits).
    handoff_minutes_per_customer: int = 3
    # Return-visit surveys (backend/surveys/worker.py): one reminder after this many hours
    # without an answer, expiry after these days.
    survey_worker_enabled: bool = True
    survey_poll_seconds: float = 60.0
    survey_reminder_hours: float = 24.0
    survey_expiry_days: float = 7.0
    # Statistics facts worker (backend/stats/worker.py): how often it writes the facts of the
    # tickets changed meanwhile (a statistics request also does it before reading).
    stats_facts_worker_enabled: bool = True
    stats_facts_poll_seconds: float = 5.0
    # Key rotation (backend/privacy/rotation.py): while FIELD_ENCRYPTION_KEYS holds more than
    # one key, the backend re-encrypts under the first key what is not, this many rows per
    # short transaction, starting this long after start-up (`frontdesk keys rotate` does it
    # at once).
    key_rotation_enabled: bool = True
    key_rotation_poll_seconds: float = 300.0
    key_rotation_batch_size: int = 500

    # --- bot -----------------------------------------------------------------------------
    bot_database_url: str = "sqlite+aiosqlite:///var/bot.db"
    telegram_bot_token: str | None = None
    # Base URLs of the Bot API: change them for a self-hosted Bot API server or for tests.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_poll_timeout: int = 10
    # Webhook mode instead of long polling: Telegram POSTs updates to this public https URL
    # (it must reach the bot's /telegram/webhook); several bot processes may serve it behind a
    # load balancer. The secret is checked on every request (X-Telegram-Bot-Api-Secret-Token).
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    # How often the bot looks for updates and replies a failure left behind (seconds).
    telegram_sweep_seconds: float = 5.0
    # A form the backend could not take is tried again after these delays (the last repeats).
    submission_retry_seconds: list[float] = [5, 10, 20, 40, 60]
    # The bot's own HTTP server: receives pushes from the backend (and serves the web chat).
    bot_host: str = "127.0.0.1"
    bot_port: int = 8081
    bot_push_url: str = "http://127.0.0.1:8081/internal/push"
    backend_timeout_seconds: float = 5.0
    # Shown to customers who want a person.
    service_hotline: str = "400-800-1234"
    # Flood control per chat: a bucket of `chat_rate_burst` messages refilled at
    # `chat_rate_per_minute`; beyond it one "please slow down", then silence. New web chat
    # connections per client address and minute.
    chat_rate_per_minute: int = 30
    chat_rate_burst: int = 10
    webchat_connections_per_minute: int = 20

    # --- NLU -----------------------------------------------------------------------------
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 3.0
    # Python 3.10 interpreter for Rasa's own virtual environment (found automatically if unset).
    rasa_python: Path | None = None
    # Rasa's virtual environment (~2.7 GB). Unset: one per set of Rasa requirements in
    # ~/.cache/frontdesk, shared by every clone on the machine (nlu/rasa_env.py).
    rasa_venv: Path | None = None
    rasa_port: int = 5005
    # Models trained here before, by the fingerprint of what they were trained from (config,
    # components, data, dictionary, Rasa's version): a clone whose nlu/ matches one takes it
    # instead of training again (~3.5 min on 2 cores). Empty: no cache.
    nlu_model_cache: Path | None = Path.home() / ".cache" / "frontdesk" / "nlu-models"
    # `rasa run` processes that `frontdesk up` / `nlu serve` start, on RASA_PORT, RASA_PORT+1…
    # (one parses on one core at a time; docs/nlu.md has the latency figures).
    rasa_replicas: int = Field(default=1, ge=1, le=16)

    @field_validator("nlu_model_cache", mode="before")
    @classmethod
    def _empty_is_no_cache(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (1-256 "
                             "characters A-Z a-z 0-9 _ -): Telegram sends it with every update")
        return self

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> Settings:
        if self.environment == "development":
            return self
        defaults = {
            "FIELD_ENCRYPTION_KEYS": self.field_encryption_keys in ("", DEV_ENCRYPTION_KEY),
            "STAFF_API_TOKEN": self.staff_api_token in ("", DEV_STAFF_TOKEN),
            "INTERNAL_SECRET": self.internal_secret in ("", DEV_INTERNAL_SECRET),
        }
        unsafe = [name for name, is_default in defaults.items() if is_default]
        if unsafe:
            raise ValueError(
                f"ENVIRONMENT={self.environment} refuses empty or development values of "
                f"{', '.join(unsafe)}: set them in the environment or .env"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
