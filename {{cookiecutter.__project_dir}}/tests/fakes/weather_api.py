"""A local weather API with the same operations as the public one, behind the chosen scheme.

Every request is recorded (headers, query, cookies) so tests can check where the credential went.
Tests can make it serve another OpenAPI document, or answer its operations with a redirect.
"""

import asyncio
import copy
{%- if cookiecutter.weather_api_auth in ["http_basic", "oauth2_password"] %}
import secrets
{%- endif %}
from collections.abc import Callable
from typing import {% if cookiecutter.weather_api_auth != "none" %}Annotated, {% endif %}Any

from fastapi import Depends, FastAPI, HTTPException, Request
{%- if cookiecutter.weather_api_auth == "api_key_header" %}
from fastapi.security import APIKeyHeader
{%- elif cookiecutter.weather_api_auth == "api_key_query" %}
from fastapi.security import APIKeyQuery
{%- elif cookiecutter.weather_api_auth == "api_key_cookie" %}
from fastapi.security import APIKeyCookie
{%- elif cookiecutter.weather_api_auth == "http_bearer" %}
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
{%- elif cookiecutter.weather_api_auth == "http_basic" %}
from fastapi.security import HTTPBasic, HTTPBasicCredentials
{%- elif cookiecutter.weather_api_auth == "oauth2_password" %}
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
{%- endif %}

FORECAST_TEMPERATURE = 17
FORECAST_DATE = "2031-04-05"
REFUSAL = "Invalid weather API credential"
{%- if cookiecutter.weather_api_auth.startswith("api_key") or cookiecutter.weather_api_auth == "http_bearer" %}
VALID_CREDENTIAL = "test-weather-credential"  # pragma: allowlist secret
{%- elif cookiecutter.weather_api_auth in ["http_basic", "oauth2_password"] %}
VALID_USERNAME = "weather-user"
VALID_PASSWORD = "test-weather-password"  # pragma: allowlist secret
{%- endif %}
{%- if cookiecutter.weather_api_auth == "oauth2_password" %}
ISSUED_TOKEN = "token-issued-by-the-fake-api"  # pragma: allowlist secret
{%- endif %}
{% if cookiecutter.weather_api_auth == "api_key_header" %}
credential_scheme = APIKeyHeader(name="X-Weather-Key", auto_error=False)


def check_credential(key: Annotated[str | None, Depends(credential_scheme)]) -> None:
    if key != VALID_CREDENTIAL:
        raise HTTPException(status_code=401, detail=REFUSAL)
{% elif cookiecutter.weather_api_auth == "api_key_query" %}
credential_scheme = APIKeyQuery(name="weather_key", auto_error=False)


def check_credential(key: Annotated[str | None, Depends(credential_scheme)]) -> None:
    if key != VALID_CREDENTIAL:
        raise HTTPException(status_code=401, detail=REFUSAL)
{% elif cookiecutter.weather_api_auth == "api_key_cookie" %}
credential_scheme = APIKeyCookie(name="weather_key", auto_error=False)


def check_credential(key: Annotated[str | None, Depends(credential_scheme)]) -> None:
    if key != VALID_CREDENTIAL:
        raise HTTPException(status_code=401, detail=REFUSAL)
{% elif cookiecutter.weather_api_auth == "http_bearer" %}
credential_scheme = HTTPBearer(auto_error=False)


def check_credential(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(credential_scheme)],
) -> None:
    if credentials is None or credentials.credentials != VALID_CREDENTIAL:
        raise HTTPException(status_code=401, detail=REFUSAL)
{% elif cookiecutter.weather_api_auth == "http_basic" %}
credential_scheme = HTTPBasic(auto_error=False)


def check_credential(
    credentials: Annotated[HTTPBasicCredentials | None, Depends(credential_scheme)],
) -> None:
    if credentials is None or not (
        secrets.compare_digest(credentials.username, VALID_USERNAME)
        and secrets.compare_digest(credentials.password, VALID_PASSWORD)
    ):
        raise HTTPException(status_code=401, detail=REFUSAL)
{% elif cookiecutter.weather_api_auth == "oauth2_password" %}
# A leading slash in tokenUrl is common; it must resolve against the server, not be appended.
credential_scheme = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)


def check_credential(token: Annotated[str | None, Depends(credential_scheme)]) -> None:
    if token != ISSUED_TOKEN:
        raise HTTPException(status_code=401, detail=REFUSAL)
{% else %}

def check_credential() -> None:
    """The API is public."""
{% endif %}

def _forecast(city: str) -> dict[str, Any]:
    return {
        "city": city,
        "temperature": FORECAST_TEMPERATURE,
        "daily_forecasts": [{"forecast_date": FORECAST_DATE, "temperature": FORECAST_TEMPERATURE}],
    }


def create_fake_weather_api() -> FastAPI:
    """The app; set `app.state.delay_seconds` to make it hang before answering,
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

    guarded = [Depends(record), Depends(redirect_if_asked), Depends(check_credential)]
{%- if cookiecutter.weather_api_auth == "oauth2_password" %}

    @app.post("/token", dependencies=[Depends(record)])
    def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
        if not (
            secrets.compare_digest(form.username, VALID_USERNAME)
            and secrets.compare_digest(form.password, VALID_PASSWORD)
        ):
            raise HTTPException(status_code=401, detail=REFUSAL)
        return {"access_token": ISSUED_TOKEN, "token_type": "bearer"}
{%- endif %}

    @app.get("/daily", dependencies=guarded, operation_id="get_daily_weather_daily_get")
    def get_daily_weather(city: str) -> dict[str, Any]:
        """Get the daily weather forecast for a city."""
        return _forecast(city)

    @app.get("/hourly", dependencies=guarded, operation_id="get_hourly_weather_hourly_get")
    def get_hourly_weather(city: str) -> dict[str, Any]:
        """Get the hourly weather forecast for a city."""
        return _forecast(city)

    return app


def create_weather_api_serving(edit: Callable[[dict[str, Any]], None]) -> FastAPI:
    """The fake API, serving its own OpenAPI document as changed by `edit`."""
    app = create_fake_weather_api()
    document = copy.deepcopy(app.openapi())
    edit(document)
    app.state.document = document
    return app
