"""Login sessions: access tokens, refresh tokens rotated on use, and revocation.

Every token names its user by public id (`sub`, never reused) and its session (`sid`). A session
accepts only its latest refresh token: an older one coming back means it was stolen, so the whole
session (its "family") is revoked. Rotation is one conditional UPDATE, so of two requests racing
with the same refresh token at most one wins; the loser looks exactly like a replay (it is one, or
a client that sent its token twice) and ends the session.
"""

import time
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
from .session_cache import SessionState, cache_of, forget_session, forget_user
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
    token_generation: int  # the account's, when the token was issued


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


def _refuse_unless_accepted(
    claims: dict[str, Any], account: SessionState | User, login_revoked: bool
) -> None:
    """Raise unless the account (as the session check read it, or as the ORM loaded it) and its
    session still accept the token."""
    if login_revoked or account.disabled:
        raise InvalidToken("session ended or user disabled")
    if claims["sub"] != account.public_id or claims["gen"] != account.token_generation:
        raise InvalidToken("token revoked")


# A session check runs this: one plain query, no ORM session (which cost more than the rest of
# the request together).
_SESSION_STATE = (
    select(
        User.id,
        User.public_id,
        User.username,
        User.role,
        User.token_generation,
        User.disabled,
        LoginSession.revoked,
    )
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.id == bindparam("sid"))
)


def access_claims(settings: Settings, access_token: str) -> dict[str, Any]:
    """The claims of a valid access token (signature, expiry, issuer, audience checked)."""
    return _claims(settings, access_token, "access")


def session_claims(public_id: str, session_id: str, token_generation: int) -> dict[str, Any]:
    """The claims a session check needs, for a caller with no access token (a websocket opened
    with a ticket): the session and the account must still accept this token generation."""
    return {"sub": public_id, "sid": session_id, "gen": token_generation}


def _principal(claims: dict[str, Any], state: SessionState | None) -> Principal:
    if state is None:
        raise InvalidToken("no such session")
    _refuse_unless_accepted(claims, state, state.revoked)
    return Principal(
        state.user_id, state.public_id, state.username, state.role, claims["sid"], claims["gen"]
    )


def remembered_principal(
    engine: Engine, claims: dict[str, Any], max_age_seconds: float | None = None
) -> Principal | None:
    """Who the claims speak for, from this process's cache without touching the database; None
    when the session is not cached (or was read too long ago): then ask `read_principal`."""
    cache = cache_of(engine)
    remembered = None if cache is None else cache.lookup(claims["sid"], max_age_seconds)
    return None if remembered is None else _principal(claims, remembered.state)


def read_principal(engine: Engine, claims: dict[str, Any]) -> Principal:
    """Who the claims speak for, read from the database (and remembered for the next request)."""
    cache = cache_of(engine)
    evictions = 0 if cache is None else cache.evictions()
    read_at = time.monotonic()
    with engine.connect() as connection:
        row = connection.execute(_SESSION_STATE, {"sid": claims["sid"]}).first()
    state = None if row is None else SessionState(*row)
    if cache is not None:
        cache.store(claims["sid"], state, read_at=read_at, evictions=evictions)
    return _principal(claims, state)


def authenticate(settings: Settings, engine: Engine, access_token: str) -> Principal:
    """Who the access token speaks for, if its session and account still accept it (in one
    call, for code outside the event loop; the request dependency splits it, see deps.py)."""
    claims = access_claims(settings, access_token)
    principal = remembered_principal(engine, claims)
    return principal if principal is not None else read_principal(engine, claims)


def _verified(
    settings: Settings, db: Session, token: str, kind: TokenKind
) -> tuple[User, LoginSession, dict[str, Any]]:
    claims = _claims(settings, token, kind)
    login = db.get(LoginSession, claims["sid"])
    if login is None:
        raise InvalidToken("no such session")
    user = db.get(User, login.user_id)
    if user is None:
        raise InvalidToken("no such user")
    _refuse_unless_accepted(claims, user, login.revoked)
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
        forget_session(db, login.id)
        raise InvalidToken("refresh token reused")
    db.commit()
    return tokens


def end_session(db: Session, session_id: str) -> None:
    login = db.get(LoginSession, session_id)
    if login is not None:
        login.revoked = True
        db.commit()
        forget_session(db, session_id)


def delete_user(db: Session, user: User) -> None:
    """Remove an account and every session it had; a later account of that name starts afresh."""
    user_id = user.id
    db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    db.delete(user)
    db.commit()
    forget_user(db, user_id)


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
