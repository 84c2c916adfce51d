"""Request dependencies: settings, a database session, the signed-in user and role checks."""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from ..settings import Settings
from .auth.sessions import (
    InvalidToken,
    Principal,
    access_claims,
    read_principal,
    remembered_principal,
)
from .db import sessions
from .errors import insufficient_role, invalid_token, not_authenticated

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
DbDep = Annotated[Session, Depends(get_db)]


async def get_current_user(
    token: Annotated[str | None, Depends(oauth2_scheme)], settings: SettingsDep, request: Request
) -> Principal:
    """The token's user and sign-in session, as the database had them at most AUTH_CACHE_SECONDS
    ago: a logout, a disabled account or a revoked session takes effect at once in the process
    that made the change and within that time in every other."""
    if not token:
        raise not_authenticated()
    engine = request.app.state.engine
    try:
        claims = access_claims(settings, token)
        principal = remembered_principal(engine, claims)
        if principal is None:
            # One thread-pool hop, for the database; a remembered session needs none.
            principal = await run_in_threadpool(read_principal, engine, claims)
    except InvalidToken:
        raise invalid_token() from None
    return principal


# Who is calling: read-only (a route that changes the account loads it with DbDep).
CurrentUser = Annotated[Principal, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    async def user_with_role(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise insufficient_role()
        return user

    return user_with_role


AdminUser = Annotated[Principal, Depends(require_role("admin"))]


async def current_user_id(user: CurrentUser) -> str:
    """The id FastAgency's adapter knows a user by: never reused, unlike a name (an account
    deleted and re-created under its name must not meet the old account's workflows)."""
    return user.public_id
