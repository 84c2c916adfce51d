"""Login sessions: access tokens, refresh tokens rotated on use, and revocation.

Every token names its user by public id (`sub`, never reused) and its session (`sid`). A session
accepts only its latest refresh token: an older one coming back means it was stolen, so the whole
session (its "family") is revoked. Rotation is one conditional UPDATE, so of two requests racing
with the same refresh token at most one wins; the loser looks exactly like a replay (it is one, or
a client that sent its token twice) and ends the session.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.orm import Session

from ...settings import Settings
from ..models import LoginSession, User
from .tokens import TokenKind, create_token, decode_token


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the scheme's name, not a secret)
    expires_in: int


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid access token speaks for: read-only, so a route cannot mistake it for the
    stored account (load that with the database session to change it)."""

    user_id: int
    public_id: str  # what tokens and FastAgency know the user by; never reused
    username: str
    role: str
    session_id: str
    token_generation: int  # the account's, when the token was issued (see _check)


class InvalidToken(Exception):
    """The token is not (or no longer) valid; callers answer 401 without saying why."""


def _new_tokens(settings: Settings, user: User, session_id: str) -> tuple[TokenPair, str]:
    """Tokens for a session, and the new refresh token's id (the one the session will accept)."""

    def token(kind: TokenKind, minutes: int) -> tuple[str, dict[str, Any]]:
        return create_token(
            settings,
            subject=user.public_id,
            kind=kind,
            lifetime=timedelta(minutes=minutes),
            sid=session_id,
            gen=user.token_generation,
        )

    access, _ = token("access", settings.access_token_expire_minutes)
    refresh, refresh_claims = token("refresh", settings.refresh_token_expire_minutes)
    pair = TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_expire_minutes * 60,
    )
    return pair, refresh_claims["jti"]


def start_session(settings: Settings, db: Session, user: User) -> TokenPair:
    session_id = uuid.uuid4().hex
    tokens, refresh_jti = _new_tokens(settings, user, session_id)
    db.add(LoginSession(id=session_id, user_id=user.id, refresh_jti=refresh_jti))
    db.commit()
    return tokens


def _claims(settings: Settings, token: str, kind: TokenKind) -> dict[str, Any]:
    try:
        return decode_token(settings, token, kind)
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from None


def _check(claims: dict[str, Any], user: User | None, login_revoked: bool) -> User:
    """The token's user, if the session and the account still accept the token."""
    if user is None or login_revoked or user.disabled:
        raise InvalidToken("session ended or user disabled")
    if claims["sub"] != user.public_id or claims["gen"] != user.token_generation:
        raise InvalidToken("token revoked")
    return user


# Every authenticated request runs this: one plain query, no ORM session (which cost more than
# the rest of the request together).
_USER_BY_SESSION = (
    select(*User.__table__.columns, LoginSession.revoked.label("login_revoked"))
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.id == bindparam("sid"))
)


def authenticate(settings: Settings, engine: Engine, access_token: str) -> Principal:
    """Who the access token speaks for, if its session and account still accept it."""
    claims = _claims(settings, access_token, "access")
    return authenticate_session(engine, claims["sub"], claims["sid"], claims["gen"])


def authenticate_session(
    engine: Engine, public_id: str, session_id: str, token_generation: int
) -> Principal:
    """Who the session speaks for, if it and its account still accept tokens of this generation
    (a websocket opened with a ticket has no access token: it checks its session so)."""
    with engine.connect() as connection:
        row = connection.execute(_USER_BY_SESSION, {"sid": session_id}).mappings().first()
    if row is None:
        raise InvalidToken("no such session")
    columns = dict(row)
    login_revoked = columns.pop("login_revoked")
    claims = {"sub": public_id, "gen": token_generation}
    user = _check(claims, User(**columns), login_revoked)
    return Principal(
        user.id, user.public_id, user.username, user.role, session_id, token_generation
    )


def _verified(
    settings: Settings, db: Session, token: str, kind: TokenKind
) -> tuple[User, LoginSession, dict[str, Any]]:
    claims = _claims(settings, token, kind)
    login = db.get(LoginSession, claims["sid"])
    if login is None:
        raise InvalidToken("no such session")
    user = _check(claims, db.get(User, login.user_id), login.revoked)
    return user, login, claims


def refresh_session(settings: Settings, db: Session, refresh_token: str) -> TokenPair:
    user, login, claims = _verified(settings, db, refresh_token, "refresh")
    tokens, new_jti = _new_tokens(settings, user, login.id)
    # Check and rotate in one statement: a read-compare-write would let two requests both win.
    rotated = db.connection().execute(
        update(LoginSession)
        .where(
            LoginSession.id == login.id,
            LoginSession.refresh_jti == claims["jti"],
            LoginSession.revoked.is_(False),
        )
        .values(refresh_jti=new_jti)
    )
    if rotated.rowcount != 1:
        # A replayed refresh token, or the loser of a race: end the whole family.
        db.connection().execute(
            update(LoginSession).where(LoginSession.id == login.id).values(revoked=True)
        )
        db.commit()
        raise InvalidToken("refresh token reused")
    db.commit()
    return tokens


def end_session(db: Session, session_id: str) -> None:
    login = db.get(LoginSession, session_id)
    if login is not None:
        login.revoked = True
        db.commit()


def delete_user(db: Session, user: User) -> None:
    """Remove an account and every session it had; a later account of that name starts afresh."""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.delete(user)
    db.commit()


def revoke(settings: Settings, db: Session, token: str) -> None:
    """End the session of a valid access or refresh token (RFC 7009); ignore anything else, so
    that the answer does not tell whether a token was valid."""
    kinds: tuple[TokenKind, ...] = ("access", "refresh")
    for kind in kinds:
        try:
            claims = _claims(settings, token, kind)
        except InvalidToken:
            continue
        end_session(db, claims["sid"])
        return
