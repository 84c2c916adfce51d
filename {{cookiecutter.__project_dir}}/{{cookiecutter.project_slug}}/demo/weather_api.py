"""A local weather API with the same operations as the public one, behind any credential scheme:
the tests' and the demo's (`{{ cookiecutter.project_slug }} demo`).

Each app is created for one scheme (the names WEATHER_API_AUTH takes). Every request is recorded
(headers, query, cookies) so tests can check where the credential went. Tests can make it serve
another OpenAPI document (tests/fakes/weather_api.py), or answer its operations with a redirect.
The credentials below are this stand-in's own, known to everyone: never a real API's.
"""

import asyncio
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)

FORECAST_TEMPERATURE = 17
FORECAST_DATE = "2031-04-05"
REFUSAL = "Invalid weather API credential"
# The scheme the tests use unless they choose another.
DEFAULT_SCHEME = "api_key_header"
VALID_KEY = "test-weather-key"  # pragma: allowlist secret
VALID_TOKEN = "test-weather-token"  # noqa: S105  # nosec B105  # pragma: allowlist secret
VALID_USERNAME = "weather-user"
VALID_PASSWORD = "test-weather-password"  # noqa: S105  # nosec B105  # pragma: allowlist secret
ISSUED_TOKEN = "token-issued-by-the-fake-api"  # noqa: S105  # nosec B105  # pragma: allowlist secret
# The token type of OAuth2 token responses (a name: bandit takes it for a password in place).
BEARER = "bearer"
# Where the API's document puts an API key.
KEY_HEADER = "X-Weather-Key"
KEY_PARAMETER = "weather_key"


def valid_environment(scheme: str) -> dict[str, str]:
    """WEATHER_API_AUTH and every credential variable, all valid for this fake API: what a
    project's .env holds, where choosing a scheme is one line."""
    return {
        "WEATHER_API_AUTH": scheme,
        "WEATHER_API_KEY": VALID_KEY,
        "WEATHER_API_TOKEN": VALID_TOKEN,
        "WEATHER_API_USERNAME": VALID_USERNAME,
        "WEATHER_API_PASSWORD": VALID_PASSWORD,
    }


def refused() -> HTTPException:
    return HTTPException(status_code=401, detail=REFUSAL)


def token_check(
    source: APIKeyHeader | APIKeyQuery | APIKeyCookie | OAuth2PasswordBearer, valid: str
) -> Callable[..., None]:
    def check(token: Annotated[str | None, Depends(source)]) -> None:
        if token is None or not secrets.compare_digest(token, valid):
            raise refused()

    return check


def bearer_check(
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))
    ],
) -> None:
    if credentials is None or not secrets.compare_digest(credentials.credentials, VALID_TOKEN):
        raise refused()


def basic_check(
    credentials: Annotated[HTTPBasicCredentials | None, Depends(HTTPBasic(auto_error=False))],
) -> None:
    if credentials is None or not (
        secrets.compare_digest(credentials.username, VALID_USERNAME)
        and secrets.compare_digest(credentials.password, VALID_PASSWORD)
    ):
        raise refused()


def public() -> None:
    """The API is public."""


# What each scheme's API checks (the fastapi.security classes also declare it in the document).
CREDENTIAL_CHECKS: dict[str, Callable[..., None]] = {
    "api_key_header": token_check(APIKeyHeader(name=KEY_HEADER, auto_error=False), VALID_KEY),
    "api_key_query": token_check(APIKeyQuery(name=KEY_PARAMETER, auto_error=False), VALID_KEY),
    "api_key_cookie": token_check(APIKeyCookie(name=KEY_PARAMETER, auto_error=False), VALID_KEY),
    "http_bearer": bearer_check,
    "http_basic": basic_check,
    # A leading slash in tokenUrl is common; it must resolve against the server, not be appended.
    "oauth2_password": token_check(
        OAuth2PasswordBearer(tokenUrl="/token", auto_error=False), ISSUED_TOKEN
    ),
    "none": public,
}


def _forecast(city: str) -> dict[str, Any]:
    return {
        "city": city,
        "temperature": FORECAST_TEMPERATURE,
        "daily_forecasts": [{"forecast_date": FORECAST_DATE, "temperature": FORECAST_TEMPERATURE}],
    }


def create_fake_weather_api(scheme: str = DEFAULT_SCHEME) -> FastAPI:
    """The app, wanting the credential of `scheme`; set `app.state.delay_seconds` to make it hang before answering,
    `app.state.document` to serve another OpenAPI document (`documents_served` counts requests
    for it), and `app.state.redirect_to` to answer every operation with a redirect there."""
    app = FastAPI(title="Local weather API", openapi_url=None)
    app.state.received = []
    app.state.delay_seconds = 0.0
    app.state.document = None
    app.state.documents_served = 0
    app.state.redirect_to = None

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> dict[str, Any]:
        app.state.documents_served += 1
        return app.state.document or app.openapi()

    async def record(request: Request) -> None:
        app.state.received.append(
            {
                "path": request.url.path,
                "headers": dict(request.headers),
                "query": dict(request.query_params),
                "cookies": dict(request.cookies),
            }
        )
        await asyncio.sleep(app.state.delay_seconds)

    def redirect_if_asked() -> None:
        if app.state.redirect_to:
            raise HTTPException(status_code=302, headers={"Location": app.state.redirect_to})

    guarded = [Depends(record), Depends(redirect_if_asked), Depends(CREDENTIAL_CHECKS[scheme])]
    if scheme == "oauth2_password":

        @app.post("/token", dependencies=[Depends(record)])
        def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
            if not (
                secrets.compare_digest(form.username, VALID_USERNAME)
                and secrets.compare_digest(form.password, VALID_PASSWORD)
            ):
                raise refused()
            return {"access_token": ISSUED_TOKEN, "token_type": BEARER}

    @app.get("/daily", dependencies=guarded, operation_id="get_daily_weather_daily_get")
    def get_daily_weather(city: str) -> dict[str, Any]:
        """Get the daily weather forecast for a city."""
        return _forecast(city)

    @app.get("/hourly", dependencies=guarded, operation_id="get_hourly_weather_hourly_get")
    def get_hourly_weather(city: str) -> dict[str, Any]:
        """Get the hourly weather forecast for a city."""
        return _forecast(city)

    return app
