"""The credential an API gets, chosen by its `<NAME>_API_AUTH` setting, and the rules that keep
it safe: it never follows a redirect and never appears in an error.

The API's document says where the credential goes (the header, query or cookie name, the token
URL); the setting says which one to send, so a provider that changes its scheme is an edit of
`.env`. A missing value is a one-line error naming its variable.
"""

from collections.abc import Callable
from typing import Any

import requests
from fastagency.api.openapi.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    BaseSecurityParameters,
    HTTPBasic,
    HTTPBearer,
    OAuth2PasswordBearer,
)

from ..settings import APISettings


class APIClientError(RuntimeError):
    """The API could not be used; the message is one line and never contains a credential."""


def refuse_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A requests response hook: a redirect is an error, so the credential never follows one."""
    if response.is_redirect:
        raise APIClientError(
            f"the API answered HTTP {response.status_code}, a redirect, which is not followed: "
            "the credential is only sent to the configured origin"
        )


class PasswordCredential(OAuth2PasswordBearer.Parameters):  # type: ignore[misc]
    """OAuth2 password credentials whose token request has a timeout and follows no redirect."""

    timeout_seconds: float = 10.0

    def get_token(self, token_url: str) -> str:
        form = {"username": self.username, "password": self.password}
        response = requests.post(
            token_url,
            data=form,
            timeout=self.timeout_seconds,
            allow_redirects=False,
            hooks={"response": [refuse_redirect]},
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


# Each scheme's credential, built from the settings it needs.
CREDENTIAL_SCHEMES: dict[str, Callable[[APISettings], BaseSecurityParameters | None]] = {
    "api_key_header": lambda api: APIKeyHeader.Parameters(value=api.required("api_key")),
    "api_key_query": lambda api: APIKeyQuery.Parameters(value=api.required("api_key")),
    "api_key_cookie": lambda api: APIKeyCookie.Parameters(value=api.required("api_key")),
    "http_bearer": lambda api: HTTPBearer.Parameters(value=api.required("api_token")),
    "http_basic": lambda api: HTTPBasic.Parameters(
        username=api.required("api_username"), password=api.required("api_password")
    ),
    "oauth2_password": lambda api: PasswordCredential(
        username=api.required("api_username"),
        password=api.required("api_password"),
        timeout_seconds=api.timeout_seconds,
    ),
    "none": lambda api: None,  # a public API
}


def credential_for(api: APISettings) -> BaseSecurityParameters | None:
    """The credential `<NAME>_API_AUTH` names, from its variables; None for a public API."""
    scheme = api.required("api_auth").strip()
    if scheme not in CREDENTIAL_SCHEMES:
        # The value is not repeated: it may be a key pasted into the wrong variable.
        raise APIClientError(
            f"{api.variable('api_auth')} is not one of {', '.join(CREDENTIAL_SCHEMES)}"
        )
    return CREDENTIAL_SCHEMES[scheme](api)
