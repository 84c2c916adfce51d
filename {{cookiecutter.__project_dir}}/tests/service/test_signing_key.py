"""The service refuses to start with a signing key an attacker could guess (ENVIRONMENT=production)."""

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
