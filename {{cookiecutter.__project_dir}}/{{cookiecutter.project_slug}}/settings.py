"""Every environment variable the project reads (a `.env` file works too); each REST API's
variables come from `APISettings` under that API's own prefix."""
{% if cookiecutter.service == "fastapi_oauth2" %}
from typing import Literal
{% endif %}
from pydantic import SecretStr{% if cookiecutter.service == "fastapi_oauth2" %}, field_validator, model_validator{% endif %}
from pydantic_settings import BaseSettings, SettingsConfigDict
{%- if cookiecutter.service == "fastapi_oauth2" %}

from .service.auth.signing_key import refuse_a_guessable_key
{%- endif %}


class MissingSettingError(RuntimeError):
    """A required environment variable is not set."""

    def __init__(self, variable: str) -> None:
        super().__init__(
            f"{variable} is not set: put it in .env or the environment (see .env.example)"
        )
        self.variable = variable


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
{%- if cookiecutter.service == "fastapi_oauth2" %}

    # The secured FastAPI service.
    environment: Literal["development", "production"] = "production"
    enable_docs: bool | None = None  # default: on in development, off in production
    jwt_secret_key: SecretStr | None = None
    jwt_issuer: str = "{{ cookiecutter.project_slug }}"
    jwt_audience: str = "{{ cookiecutter.project_slug }}-api"
    access_token_expire_minutes: int = 15
    refresh_token_expire_minutes: int = 7 * 24 * 60
    # How long a process may trust what it read of a sign-in session (service/auth/session_cache.py):
    # a logout, a disabled account or a revoked session takes effect at once in the process that
    # handled it and within this time in every other. 0 reads the database on every request.
    auth_cache_seconds: float = 1.0
    # In a git-ignored folder, created owner-only (service/db.py); relative to the working directory.
    database_url: str = "sqlite:///data/users.db"
    # Connections each process keeps, may add when busy, and waits for (service/db.py): with
    # several processes on one PostgreSQL server, keep processes x (size + overflow) below its
    # max_connections (100 by default).
    database_pool_size: int = 5
    database_max_overflow: int = 10
    database_pool_timeout_seconds: float = 30
    password_min_length: int = 8
    # Sign-in throttling (service/auth/sign_in.py): failed password checks per client address, per account
    # from untrusted clients and per trusted device, within a window; argon2 slots shared by
    # untrusted clients; how long a device that signed in stays trusted.
    login_max_failures: int = 5
    login_failure_window_seconds: int = 15 * 60
    login_hash_concurrency: int = 2
    login_trusted_device_days: int = 30
    # Workflows over the websocket: every wait is bounded, and no user can take every thread.
    workflow_start_timeout_seconds: int = 60  # reservation to first message
    workflow_input_timeout_seconds: float = 300  # a question's wait for its answer
    # How often a running workflow's session is checked again; a check trusts a cached read no
    # older than this, so a logout anywhere ends the run within twice this time.
    workflow_session_check_seconds: float = 0.5
    workflow_max_running: int = 32  # threads for workflows, in total
    workflow_max_running_per_user: int = 3
    workflow_max_reservations_per_user: int = 3  # reserved and not started yet
    websocket_max_message_bytes: int = 64 * 1024
    max_request_body_bytes: int = 64 * 1024  # larger bodies get 413 before they are read
    # The chat page (service/routes/chat.py). Browsers open its websocket with a single-use
    # ticket valid this long; and only pages from these origins (e.g. ["https://chat.example.com"])
    # may open a websocket at all: empty means the service's own origin, as the request names it.
    websocket_ticket_seconds: int = 30
    allowed_origins: list[str] = []
    demo: bool = False  # set by `{{ cookiecutter.project_slug }} demo` only: pages say it is a demo

    @field_validator("allowed_origins")
    @classmethod
    def origins_only(cls, origins: list[str]) -> list[str]:
        """Each entry as browsers send Origin: scheme and host (and port), nothing after."""
        for origin in origins:
            scheme, _, host = origin.partition("://")
            if scheme not in ("http", "https") or not host or "/" in host:
                raise ValueError(
                    f"ALLOWED_ORIGINS: {origin!r} is not an origin such as https://chat.example.com"
                    " (a scheme and a host, no path, no trailing slash)"
                )
        return origins

    @field_validator("auth_cache_seconds")
    @classmethod
    def bounded_auth_cache(cls, seconds: float) -> float:
        # Longer would let a signed-out or disabled user keep access too long elsewhere.
        if not 0 <= seconds <= 60:
            raise ValueError(
                "AUTH_CACHE_SECONDS must be from 0 (no cache) to 60: "
                "it is how long a logout or a disabled account may go unnoticed by other processes"
            )
        return seconds

    @model_validator(mode="after")
    def refuse_a_guessable_signing_key(self) -> "Settings":
        key = self.jwt_secret_key.get_secret_value() if self.jwt_secret_key else None
        refuse_a_guessable_key(key, development=self.environment == "development")
        return self
{%- endif %}


def required(value: SecretStr | str | None, variable: str) -> str:
    """The value of a setting that must be present, or a one-line error naming it."""
    if value is None:
        raise MissingSettingError(variable)
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text.strip():
        raise MissingSettingError(variable)
    return text


class APISettings(BaseSettings):
    """The settings of one REST API the agents call, each API under its own prefix.

    A subclass names the prefix and may give defaults (see weather.py); with the prefix
    `WEATHER_`, `openapi_url` is read from WEATHER_OPENAPI_URL, `api_key` from WEATHER_API_KEY.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    openapi_url: str | None = None
    # Optional: refuse any document but the one with this SHA-256 (README: "Review and pin").
    openapi_sha256: str | None = None
    # Optional: call the API (and send the credential) here, not where its document says.
    api_base_url: str | None = None
    timeout_seconds: float = 10.0
    # Which credential to send: a scheme of clients/credentials.py. Where it goes (the header,
    # query or cookie name; the token URL) comes from the API's document. No default: unset is
    # an error naming the variable, so a credential never goes out in a form nobody chose.
    api_auth: str | None = None
    api_key: SecretStr | None = None  # api_key_header, api_key_query, api_key_cookie
    api_token: SecretStr | None = None  # http_bearer
    api_username: str | None = None  # http_basic, oauth2_password
    api_password: SecretStr | None = None  # http_basic, oauth2_password

    @property
    def prefix(self) -> str:
        return str(self.model_config.get("env_prefix", ""))

    def variable(self, field: str) -> str:
        """The environment variable a field is read from: `api_key` -> WEATHER_API_KEY."""
        return f"{self.prefix}{field}".upper()

    def required(self, field: str) -> str:
        """A field that must be set, or a one-line error naming its variable."""
        value: SecretStr | str | None = getattr(self, field)
        return required(value, self.variable(field))
