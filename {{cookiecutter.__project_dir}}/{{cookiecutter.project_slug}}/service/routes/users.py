"""The signed-in user's own account."""

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from ..accounts import set_password
from ..auth.devices import ClientDep
from ..auth.passwords import PasswordRejected
from ..auth.sign_in import LoginBusy, LoginLocked, LoginRefused, check_current_password
from ..deps import CurrentUser, DbDep, SettingsDep
from ..errors import busy, too_many_attempts
from ..models import User

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
    db: DbDep,
    settings: SettingsDep,
    client: ClientDep,
) -> None:
    """Change your password; every session of yours ends, this one included."""
    account = db.get_one(User, user.user_id)
    try:
        check_current_password(settings, db, client, account, change.current_password)
    except LoginRefused:
        raise HTTPException(422, "current password is wrong") from None
    except LoginLocked:
        raise too_many_attempts(settings) from None
    except LoginBusy:
        raise busy() from None
    try:
        set_password(db, account, change.new_password, min_length=settings.password_min_length)
    except PasswordRejected as rejection:
        raise HTTPException(422, str(rejection)) from None
