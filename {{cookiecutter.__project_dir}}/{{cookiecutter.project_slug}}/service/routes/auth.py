"""Signing in and out, as OAuth2 clients expect: the token endpoint (RFC 6749: password and
refresh_token grants), revocation (RFC 7009) and metadata (RFC 8414); also /token/refresh (JSON)
and /logout for the clients written before them.

This is a public client's server: there are no registered clients. A `client_id`, a
`client_secret` or HTTP Basic client credentials are ignored (requests-oauthlib sends Basic by
default), and `scope` too: tokens carry the user's role.
"""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ...settings import Settings
from ..auth.devices import Client, ClientDep, set_device_cookie
from ..auth.sessions import (
    InvalidToken,
    TokenPair,
    end_session,
    refresh_session,
    revoke,
    start_session,
)
from ..auth.sign_in import LoginBusy, LoginLocked, LoginRefused, check_login
from ..deps import CurrentUser, DbDep, SettingsDep
from ..errors import NO_STORE, OAuthError, busy, invalid_token, too_many_attempts
from ..forms import TokenForm, required

router = APIRouter(tags=["auth"])

GRANT_TYPES = ["password", "refresh_token"]


def form_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """The OpenAPI request body of a form these routes read themselves (see ../forms.py)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    form = {"application/x-www-form-urlencoded": {"schema": schema}}
    return {"requestBody": {"required": True, "content": form}}


TOKEN_REQUEST_BODY = form_body(
    {
        "grant_type": {"type": "string", "enum": GRANT_TYPES},
        "username": {"type": "string"},
        "password": {"type": "string", "format": "password"},
        "refresh_token": {"type": "string"},
    }
)
REVOCATION_REQUEST_BODY = form_body(
    {"token": {"type": "string"}, "token_type_hint": {"type": "string"}}, required=["token"]
)

# Refused sign-ins never say whether the account exists.
REFUSED = "Incorrect username or password"


class RefreshRequest(BaseModel):
    refresh_token: str


def _no_store(response: Response) -> None:
    # Tokens must not be kept by browsers or proxies.
    response.headers.update(NO_STORE)


def _as_oauth_error(refusal: HTTPException) -> OAuthError:
    # RFC 6749 has no code for "slow down": temporarily_unavailable is the nearest registered one.
    return OAuthError(
        "temporarily_unavailable",
        str(refusal.detail),
        status_code=refusal.status_code,
        headers=dict(refusal.headers or {}),
    )


def _password_grant(
    fields: dict[str, str],
    settings: Settings,
    db: Session,
    client: Client,
    request: Request,
    response: Response,
) -> TokenPair:
    username, password = required(fields, "username"), required(fields, "password")
    try:
        signed_in = check_login(settings, db, client, username, password)
    except LoginRefused:
        raise OAuthError("invalid_grant", REFUSED) from None
    except LoginLocked:
        raise _as_oauth_error(too_many_attempts(settings)) from None
    except LoginBusy:
        raise _as_oauth_error(busy()) from None
    # This client has now signed in to this account: it will not be locked out with strangers.
    set_device_cookie(request, response, settings, signed_in.device_token)
    return start_session(settings, db, signed_in.user)


def _refresh_grant(fields: dict[str, str], settings: Settings, db: Session) -> TokenPair:
    try:
        return refresh_session(settings, db, required(fields, "refresh_token"))
    except InvalidToken:
        # Expired, revoked, reused (which has just ended its session) or not a refresh token.
        raise OAuthError("invalid_grant", "The refresh token is not valid") from None


@router.post(
    "/token",
    responses={400: {}, 429: {}, 503: {}},
    openapi_extra=TOKEN_REQUEST_BODY,
)
def token(
    fields: TokenForm,
    settings: SettingsDep,
    db: DbDep,
    client: ClientDep,
    request: Request,
    response: Response,
) -> TokenPair:
    """Sign in with `username` and `password`, or exchange a `refresh_token` (its old value
    stops working; sent again, it ends the session)."""
    # No grant_type means password, as FastAPI's OAuth2PasswordRequestForm allows.
    grant_type = fields.get("grant_type") or "password"
    if grant_type == "password":
        tokens = _password_grant(fields, settings, db, client, request, response)
    elif grant_type == "refresh_token":
        tokens = _refresh_grant(fields, settings, db)
    else:
        raise OAuthError("unsupported_grant_type", f"Supported: {', '.join(GRANT_TYPES)}")
    _no_store(response)
    return tokens


@router.post("/revoke", responses={400: {}}, openapi_extra=REVOCATION_REQUEST_BODY)
def revoke_token(fields: TokenForm, settings: SettingsDep, db: DbDep) -> Response:
    """End the session of an access or refresh `token`; an unknown token is not an error."""
    revoke(settings, db, required(fields, "token"))
    return Response(status_code=status.HTTP_200_OK)


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server_metadata(request: Request) -> dict[str, Any]:
    """Where to get and revoke tokens (RFC 8414). The issuer is the service's own base URL as
    the request reached it (its scheme corrected by uvicorn behind a trusted proxy)."""
    return {
        "issuer": str(request.base_url).rstrip("/"),
        "token_endpoint": str(request.url_for("token")),
        "revocation_endpoint": str(request.url_for("revoke_token")),
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],  # no authorization endpoint
    }


@router.post("/token/refresh", responses={401: {}})
def refresh(
    body: RefreshRequest, settings: SettingsDep, db: DbDep, response: Response
) -> TokenPair:
    """Exchange a refresh token for new tokens (JSON); the same as POST /token with
    grant_type=refresh_token, kept for clients written before it."""
    try:
        tokens = refresh_session(settings, db, body.refresh_token)
    except InvalidToken:
        raise invalid_token() from None
    _no_store(response)
    return tokens


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}})
def logout(user: CurrentUser, db: DbDep) -> None:
    """End this session: its access and refresh tokens stop working."""
    end_session(db, user.session_id)
