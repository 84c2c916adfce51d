"""Login sessions: access tokens, refresh tokens rotated on use, and revocation.

Every token names its session (`sid`). A session accepts only its latest refresh token: an older
one coming back means it was stolen, so the whole session (its "family") is revoked.
"""

import uuid
from typing import Any

import jwt
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..settings import Settings
from .db import Base
from .security import TokenKind, create_token, decode_token
from .users import User


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    refresh_jti: Mapped[str] = mapped_column(String(32))
    revoked: Mapped[bool] = mapped_column(default=False)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the scheme's name, not a secret)
    expires_in: int


class InvalidToken(Exception):
    """The token is not (or no longer) valid; callers answer 401 without saying why."""


def _issue(settings: Settings, db: Session, user: User, login: LoginSession) -> TokenPair:
    def token(kind: TokenKind) -> tuple[str, str]:
        encoded, claims = create_token(
            settings,
            subject=user.username,
            kind=kind,
            session_id=login.id,
            generation=user.token_generation,
        )
        return encoded, claims["jti"]

    access, _ = token("access")
    refresh, login.refresh_jti = token("refresh")
    db.commit()
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_expire_minutes * 60,
    )


def start_session(settings: Settings, db: Session, user: User) -> TokenPair:
    login = LoginSession(id=uuid.uuid4().hex, user_id=user.id, refresh_jti="")
    db.add(login)
    return _issue(settings, db, user, login)


def _verified(
    settings: Settings, db: Session, token: str, kind: TokenKind
) -> tuple[User, LoginSession, dict[str, Any]]:
    try:
        claims = decode_token(settings, token, kind)
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from None
    login = db.get(LoginSession, claims["sid"])
    user = db.get(User, login.user_id) if login else None
    if login is None or user is None or login.revoked or user.disabled:
        raise InvalidToken("session ended or user disabled")
    if claims["sub"] != user.username or claims["gen"] != user.token_generation:
        raise InvalidToken("token revoked")
    return user, login, claims


def authenticate(settings: Settings, db: Session, access_token: str) -> tuple[User, str]:
    """The user an access token belongs to, and its session id."""
    user, login, _ = _verified(settings, db, access_token, "access")
    return user, login.id


def refresh_session(settings: Settings, db: Session, refresh_token: str) -> TokenPair:
    user, login, claims = _verified(settings, db, refresh_token, "refresh")
    if claims["jti"] != login.refresh_jti:
        login.revoked = True  # a replayed refresh token: end the whole family
        db.commit()
        raise InvalidToken("refresh token reused")
    return _issue(settings, db, user, login)


def end_session(db: Session, session_id: str) -> None:
    login = db.get(LoginSession, session_id)
    if login is not None:
        login.revoked = True
        db.commit()
