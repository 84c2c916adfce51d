"""Checking a user name and password, with the same answer and work for every failure.

Failed attempts are counted per account name (any client address, existing account or not);
past the limit the account is locked for a cool-down.
"""

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..settings import Settings
from .db import Base
from .passwords import MAX_LENGTH
from .security import DUMMY_HASH, verify_password
from .users import User, find_user

logger = logging.getLogger(__name__)


class LoginFailure(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(MAX_LENGTH), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginRefused(Exception):
    """Wrong name, wrong password or disabled account: deliberately not said which."""


class LoginLocked(Exception):
    """Too many recent failures for this account name."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _is_locked(settings: Settings, db: Session, username: str) -> bool:
    since = _now() - timedelta(seconds=settings.login_failure_window_seconds)
    recent = db.scalars(
        select(LoginFailure.at).where(LoginFailure.username == username, LoginFailure.at > since)
    ).all()
    if len(recent) < settings.login_max_failures:
        return False
    last = max(at.replace(tzinfo=at.tzinfo or timezone.utc) for at in recent)
    return _now() < last + timedelta(seconds=settings.login_lockout_seconds)


def check_login(settings: Settings, db: Session, username: str, password: str) -> User:
    """The user, if the name and password match an enabled account."""
    username = username[:MAX_LENGTH]
    if _is_locked(settings, db, username):
        logger.warning("login refused: account %r is locked after repeated failures", username)
        raise LoginLocked
    user = find_user(db, username)
    # Over-long passwords can never match: refuse without spending a hash on them.
    matches, new_hash = (
        verify_password(password, user.password_hash if user else DUMMY_HASH)
        if len(password) <= MAX_LENGTH
        else (False, None)
    )
    if user is None or not matches or user.disabled:
        db.add(LoginFailure(username=username, at=_now()))
        db.commit()
        logger.warning("login failed for account %r", username)
        raise LoginRefused
    if new_hash:
        user.password_hash = new_hash  # an older scheme (bcrypt), upgraded to argon2id
    db.execute(delete(LoginFailure).where(LoginFailure.username == username))
    db.commit()
    return user
