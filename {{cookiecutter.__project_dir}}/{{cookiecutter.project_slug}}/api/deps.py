"""Request dependencies: settings, a database session, the calling user and role checks."""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, NamedTuple

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ..settings import Settings
from .db import sessions
from .tokens import InvalidToken, authenticate
from .users import User

# auto_error=False: a missing token gets the same 401 as a bad one (and websockets work).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


# The cheap dependencies are `async def`: FastAPI runs a plain `def` in its thread pool, and that
# hand-off cost more than the work on every authenticated request.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    yield from sessions(request.app.state.engine)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


# The challenges of RFC 6750 §3: clients such as Authlib read the error code from the header.
def not_authenticated() -> HTTPException:
    """No token at all: a bare challenge, no error code (RFC 6750 §3.1)."""
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


def invalid_token() -> HTTPException:
    """A token that is malformed, expired or revoked: deliberately not said which."""
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not authenticated",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def insufficient_role(detail: str = "Not allowed") -> HTTPException:
    # Tokens carry no scopes: the user's role is what the route requires.
    return HTTPException(
        status_code=status.HTTP_403_FORBIDDEN,
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
    )


class Caller(NamedTuple):
    user: User
    session_id: str


async def get_caller(
    token: Annotated[str | None, Depends(oauth2_scheme)], settings: SettingsDep, request: Request
) -> Caller:
    """The token's user and session, checked against the database on every request (so a
    logout, a disabled account or a revoked session takes effect at once, in every process)."""
    if not token:
        raise not_authenticated()
    try:
        # One thread-pool hop, for the database. The user comes back in no ORM session: routes
        # that write take SessionDep and load what they change in it.
        user, session_id = await run_in_threadpool(
            authenticate, settings, request.app.state.engine, token
        )
        return Caller(user, session_id)
    except InvalidToken:
        raise invalid_token() from None


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_current_user(caller: CallerDep) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[..., Awaitable[User]]:
    async def user_with_role(user: CurrentUser) -> User:
        if user.role not in roles:
            raise insufficient_role()
        return user

    return user_with_role


AdminUser = Annotated[User, Depends(require_role("admin"))]


async def current_user_id(user: CurrentUser) -> str:
    """The id FastAgency's adapter knows a user by: never reused, unlike a name (an account
    deleted and re-created under its name must not meet the old account's workflows)."""
    return user.public_id
