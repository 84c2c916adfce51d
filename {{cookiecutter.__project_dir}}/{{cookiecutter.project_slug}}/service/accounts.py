"""The user store: accounts, roles, and the counter that revokes all of a user's tokens."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from .auth.passwords import check_password, hash_password
from .auth.session_cache import forget_user
from .models import ROLES, User


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
    user_id = user.id  # read before the commit expires it (reading it after costs a query)
    user.token_generation += 1
    session.commit()
    forget_user(session, user_id)
