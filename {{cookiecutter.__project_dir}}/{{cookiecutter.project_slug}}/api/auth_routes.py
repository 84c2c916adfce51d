"""Signing in and out: /token (OAuth2 password form), /token/refresh, /logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from ..settings import Settings
from .deps import CallerDep, SessionDep, SettingsDep, not_authenticated
from .devices import ClientDep, set_device_cookie
from .login import LoginBusy, LoginLocked, LoginRefused, check_login
from .tokens import InvalidToken, TokenPair, end_session, refresh_session, start_session

router = APIRouter(tags=["auth"])


class RefreshRequest(BaseModel):
    refresh_token: str


def _no_store(response: Response) -> None:
    # Tokens must not be kept by browsers or proxies.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def too_many_attempts(settings: Settings) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail="Too many failed sign-in attempts: try again later",
        headers={"Retry-After": str(settings.login_failure_window_seconds)},  # at most this
    )


def busy() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        detail="Too many sign-ins at once: try again in a moment",
        headers={"Retry-After": "1"},
    )


@router.post("/token", responses={401: {}, 429: {}, 503: {}})
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: SettingsDep,
    db: SessionDep,
    client: ClientDep,
    request: Request,
    response: Response,
) -> TokenPair:
    """Exchange a user name and password for an access token and a refresh token."""
    try:
        signed_in = check_login(settings, db, client, form.username, form.password)
    except LoginRefused:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    except LoginLocked:
        raise too_many_attempts(settings) from None
    except LoginBusy:
        raise busy() from None
    _no_store(response)
    # This client has now signed in to this account: it will not be locked out with strangers.
    set_device_cookie(request, response, settings, signed_in.device_token)
    return start_session(settings, db, signed_in.user)


@router.post("/token/refresh", responses={401: {}})
def refresh(
    body: RefreshRequest, settings: SettingsDep, db: SessionDep, response: Response
) -> TokenPair:
    """Exchange a refresh token for new tokens; the old refresh token stops working."""
    try:
        tokens = refresh_session(settings, db, body.refresh_token)
    except InvalidToken:
        raise not_authenticated() from None
    _no_store(response)
    return tokens


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}})
def logout(caller: CallerDep, db: SessionDep) -> None:
    """End this session: its access and refresh tokens stop working."""
    end_session(db, caller.session_id)
