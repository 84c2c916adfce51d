"""Password hashing (argon2id, bcrypt accepted) and JSON Web Tokens, in a few small functions."""

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from ..settings import Settings, required

TokenKind = Literal["access", "refresh", "device"]
ALGORITHM = "HS256"  # the only algorithm accepted when decoding
REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti", "iss", "aud", "typ"]
# Access and refresh tokens also name their login session and the user's token generation.
SESSION_CLAIMS = ["sid", "gen"]

# OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane); bcrypt hashes are verified, then upgraded.
ARGON2 = Argon2Hasher(memory_cost=19 * 1024, time_cost=2, parallelism=1)
password_hash = PasswordHash((ARGON2, BcryptHasher()))
# Verified when the user does not exist, so that case costs the same as a wrong password.
DUMMY_HASH = password_hash.hash(uuid.uuid4().hex)


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, stored_hash: str) -> tuple[bool, str | None]:
    """Whether `password` matches, and a new hash when the stored one should be upgraded."""
    try:
        return password_hash.verify_and_update(password, stored_hash)
    except ValueError:  # bcrypt refuses passwords over 72 bytes instead of truncating them
        return False, None


def create_token(
    settings: Settings, *, subject: str, kind: TokenKind, lifetime: timedelta, **extra: Any
) -> tuple[str, dict[str, Any]]:
    """A signed token and its claims; `subject` is the user's public id (never reused)."""
    now = datetime.now(timezone.utc)
    claims: dict[str, Any] = {
        "sub": subject,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "typ": kind,
        **extra,
    }
    token = jwt.encode(claims, required(settings.jwt_secret_key, "JWT_SECRET_KEY"), ALGORITHM)
    return token, claims


def decode_token(settings: Settings, token: str, kind: TokenKind) -> dict[str, Any]:
    """The claims of a valid token of this kind; raises jwt.InvalidTokenError otherwise."""
    claims: dict[str, Any] = jwt.decode(
        token,
        required(settings.jwt_secret_key, "JWT_SECRET_KEY"),
        algorithms=[ALGORITHM],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": REQUIRED_CLAIMS + ([] if kind == "device" else SESSION_CLAIMS)},
    )
    if claims["typ"] != kind:
        raise jwt.InvalidTokenError(f"expected a token of type {kind!r}")
    return claims
