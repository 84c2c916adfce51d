"""Request dependencies: settings, a database session, the calling user and role checks."""

from collections.abc import Callable, Iterator
from typing import Annotated, NamedTuple

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ..settings import Settings
from .db import sessions
from .tokens import InvalidToken, authenticate
from .users import User

# auto_error=False: a missing token gets the same 401 as a bad one (and websockets work).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    yield from sessions(request.app.state.engine)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def not_authenticated() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


class Caller(NamedTuple):
    user: User
    session_id: str


def get_caller(
    token: Annotated[str | None, Depends(oauth2_scheme)], settings: SettingsDep, db: SessionDep
) -> Caller:
    if not token:
        raise not_authenticated()
    try:
        user, session_id = authenticate(settings, db, token)
    except InvalidToken:
        raise not_authenticated() from None
    return Caller(user, session_id)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_current_user(caller: CallerDep) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[..., User]:
    def user_with_role(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Not allowed")
        return user

    return user_with_role


AdminUser = Annotated[User, Depends(require_role("admin"))]


def current_user_id(user: CurrentUser) -> str:
    """The id FastAgency's adapter knows a user by."""
    return user.username
