"""JSON Web Tokens: signed with HS256, every claim checked when decoding."""

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import jwt

from ...settings import Settings, required

TokenKind = Literal["access", "refresh", "device"]
ALGORITHM = "HS256"  # the only algorithm accepted when decoding
REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti", "iss", "aud", "typ"]
# Access and refresh tokens also name their login session and the user's token generation.
SESSION_CLAIMS = ["sid", "gen"]


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
