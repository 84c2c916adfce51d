"""The signed-in user's account, and what administrators may do to other accounts."""

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from .auth_routes import busy, too_many_attempts
from .deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from .devices import ClientDep
from .login import LoginBusy, LoginLocked, LoginRefused, check_current_password
from .passwords import PasswordRejected
from .users import User, UserError, disable_user, get_user, revoke_all_tokens, set_password

router = APIRouter(tags=["users"], responses={401: {}})


class UserOut(BaseModel):
    username: str
    role: str


class PasswordChange(BaseModel):
    current_password: str
    new_password: str


@router.get("/users/me")
def read_me(user: CurrentUser) -> UserOut:
    return UserOut(username=user.username, role=user.role)


@router.post(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {}, 429: {}, 503: {}},
)
def change_password(
    change: PasswordChange,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    client: ClientDep,
) -> None:
    """Change your password; every session of yours ends, this one included."""
    try:
        check_current_password(settings, db, client, user, change.current_password)
    except LoginRefused:
        raise HTTPException(422, "current password is wrong") from None
    except LoginLocked:
        raise too_many_attempts(settings) from None
    except LoginBusy:
        raise busy() from None
    try:
        own = db.get_one(User, user.id)  # CurrentUser was read in a session of its own
        set_password(db, own, change.new_password, min_length=settings.password_min_length)
    except PasswordRejected as rejection:
        raise HTTPException(422, str(rejection)) from None


def _target(db: Session, username: str) -> User:
    try:
        return get_user(db, username)
    except UserError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user") from None


@router.post(
    "/admin/users/{username}/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {}, 404: {}},
)
def disable(username: str, _: AdminUser, db: SessionDep) -> None:
    """Disable an account and end all its sessions."""
    disable_user(db, _target(db, username))


@router.post(
    "/admin/users/{username}/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {}, 404: {}},
)
def force_logout(username: str, _: AdminUser, db: SessionDep) -> None:
    """End every session of an account (it can sign in again)."""
    revoke_all_tokens(db, _target(db, username))
