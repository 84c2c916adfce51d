"""The service's refusals: how each is answered, in one place.

- The token endpoint's errors as OAuth2 clients read them (RFC 6749 §5.2): client libraries look
  for an `error` member; without one, Authlib's `fetch_token` takes an error answer for a token.
- The other routes keep FastAPI's `{"detail": ...}`, with RFC 6750's challenges on 401 and 403.
- 422 answers say what was wrong with a request, never what was sent: FastAPI's default echoes
  each invalid field's `input` (a password, a token, a whole form).
"""

from fastapi import HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..settings import Settings

# Error answers carry credentials' fate: no cache may keep them either.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An answer of the token or revocation endpoint: `error` is a code from RFC 6749 §5.2."""

    def __init__(
        self,
        error: str,
        description: str,
        status_code: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status_code = status_code
        self.headers = headers or {}


async def oauth_error_response(request: Request, error: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status_code,
        headers={**NO_STORE, **error.headers},
    )


async def validation_error_without_input(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    details = [
        {key: value for key, value in problem.items() if key != "input"}
        for problem in error.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(details)})


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


# Sign-in refusals; the token endpoint turns them into OAuth errors (routes/auth.py).
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
