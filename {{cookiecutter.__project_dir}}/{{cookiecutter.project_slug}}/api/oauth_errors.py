"""Token endpoint errors as OAuth2 clients read them (RFC 6749 §5.2).

Client libraries look for an `error` member: without one, Authlib's `fetch_token` takes an error
answer for a token. FastAPI's `{"detail": ...}` is kept for the other routes.
"""

from fastapi import Request
from fastapi.responses import JSONResponse

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
