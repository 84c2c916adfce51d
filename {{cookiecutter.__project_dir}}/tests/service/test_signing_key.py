"""The service refuses to start with a signing key an attacker could guess (ENVIRONMENT=production)."""

import logging
import secrets
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.auth.signing_key import InsecureSecretError
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import SIGNING_KEY


def with_key(settings: Settings, key: str) -> Settings:
    """`settings` with another key, read the way the service reads its settings."""
    return Settings(**{**dict(settings), "jwt_secret_key": SecretStr(key)})


@pytest.mark.parametrize(
    "key",
    [
        f" {SIGNING_KEY}",
        f"{SIGNING_KEY}\n",  # a line ending pasted from a file
        " " * 48,  # passed the length check, then made every login fail with a server error
    ],
)
def test_key_with_surrounding_spaces_is_refused_at_start_with_a_clear_message(
    settings: Settings, key: str
) -> None:
    with pytest.raises(InsecureSecretError, match="JWT_SECRET_KEY has surrounding spaces: set a"):
        create_app(with_key(settings, key))


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("a" * 64, "is too predictable"),
        ("ab" * 32, "is too predictable"),
        ("0123456789abcdef" * 4, "is too predictable"),  # varied characters, repeated
        ("a" * 39 + "b", "is too predictable"),
        ("correct horse battery staple and more words", "contains whitespace"),
    ],
)
def test_low_entropy_keys_are_refused_at_start(settings: Settings, key: str, problem: str) -> None:
    with pytest.raises(InsecureSecretError, match=f"JWT_SECRET_KEY {problem}"):
        create_app(with_key(settings, key))


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: secrets.token_urlsafe(48),  # what the project generator writes to .env
        lambda: secrets.token_hex(32),  # openssl rand -hex 32
        lambda: secrets.token_hex(16),  # 128 random bits in 32 hex characters
    ],
    ids=["token_urlsafe(48)", "token_hex(32)", "token_hex(16)"],
)
def test_random_keys_are_accepted(settings: Settings, make_key: Callable[[], str]) -> None:
    key = make_key()

    app = create_app(with_key(settings, key))

    assert app.state.settings.jwt_secret_key.get_secret_value() == key


def test_development_stand_in_key_is_made_once_when_the_service_starts_not_on_every_settings_read(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    weak = {**dict(settings), "jwt_secret_key": SecretStr("a" * 64), "environment": "development"}

    with caplog.at_level(logging.WARNING):
        # The weather workflow reads the settings on every run.
        reads = [Settings(**weak) for _ in range(3)]
        app = create_app(reads[0])

    assert {
        str(read.jwt_secret_key.get_secret_value()) for read in reads if read.jwt_secret_key
    } == {"a" * 64}
    warnings = [
        record.getMessage() for record in caplog.records if "random key" in record.getMessage()
    ]
    assert warnings == [
        "JWT_SECRET_KEY is too predictable (a repeated pattern, or few distinct characters);"
        " using a random key for this run (ENVIRONMENT=development)"
    ]
    assert app.state.settings.jwt_secret_key.get_secret_value() != "a" * 64
