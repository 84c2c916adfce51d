"""The user store: accounts, roles, and the counter that revokes all of a user's tokens."""

import uuid
from typing import Literal, get_args

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base
from .passwords import check_password
from .security import hash_password

Role = Literal["admin", "user"]
ROLES: tuple[str, ...] = get_args(Role)


def _new_public_id() -> str:
    return uuid.uuid4().hex


class User(Base):
    __tablename__ = "users"
    # SQLite would otherwise hand a deleted user's id to the next account created.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What tokens name (`sub`): random and never reused, so a deleted and re-created account
    # with the same name is another user to every token issued before.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_new_public_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(String(16), default="user")
    disabled: Mapped[bool] = mapped_column(default=False)
    # Tokens carry the generation they were issued in; bumping it revokes them all.
    token_generation: Mapped[int] = mapped_column(default=0)


class UserError(ValueError):
    """A user operation was refused; the message says why."""


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise UserError(f"no user named {username!r}")
    return user


def create_user(
    session: Session, username: str, password: str, *, role: str = "user", min_length: int
) -> User:
    if not username or len(username) > 64 or username != username.strip():
        raise UserError("username must be 1 to 64 characters, without surrounding spaces")
    check_role(role)
    check_password(password, min_length=min_length)
    if find_user(session, username) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.commit()
    return user


def check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")


def set_password(session: Session, user: User, password: str, *, min_length: int) -> None:
    """Change the password and sign the user out everywhere."""
    check_password(password, min_length=min_length)
    user.password_hash = hash_password(password)
    revoke_all_tokens(session, user)


def set_role(session: Session, user: User, role: str) -> None:
    check_role(role)
    user.role = role
    revoke_all_tokens(session, user)


def disable_user(session: Session, user: User) -> None:
    user.disabled = True
    revoke_all_tokens(session, user)


def revoke_all_tokens(session: Session, user: User) -> None:
    user.token_generation += 1
    session.commit()
