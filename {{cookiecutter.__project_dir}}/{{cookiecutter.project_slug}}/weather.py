"""The weather REST API the agent calls: its operations, its settings, and the credential."""
{%- set scheme = cookiecutter.weather_api_auth %}
{%- set security_class = {
    "api_key_header": "APIKeyHeader",
    "api_key_query": "APIKeyQuery",
    "api_key_cookie": "APIKeyCookie",
    "http_bearer": "HTTPBearer",
    "http_basic": "HTTPBasic",
    "oauth2_password": "OAuth2PasswordBearer",
    "none": "",
}[scheme] %}

from typing import Any
{%- if security_class %}

{% if scheme == "oauth2_password" %}import requests
{% endif %}from fastagency.api.openapi.security import {{ security_class }}
{%- endif %}

from .clients.openapi import (
    APIClientError,
    APISource,
    OpenAPIClient,
    openapi_client,
{%- if scheme == "oauth2_password" %}
    refuse_redirect,
{%- endif %}
)
from .clients.openapi_review import review
from .settings import Settings{% if security_class %}, required{% endif %}

# The API operations (operationIds) the agent may call; the model sees them by these names.
# Only these, and what they need, are taken from the API's document (see clients/openapi.py).
WEATHER_FUNCTIONS = ["get_daily_weather_daily_get", "get_hourly_weather_hourly_get"]

# Any failure of the weather client, whichever layer found it; workflows.py reports these.
WeatherAPIError = APIClientError


def weather_source(settings: Settings) -> APISource:
    """Where the weather API's document is, and which origin may receive the credential."""
    return APISource(
        name="WEATHER",
        document_url=settings.weather_openapi_url,
        sha256=settings.weather_openapi_sha256,
        base_url=settings.weather_api_base_url,
        timeout_seconds=settings.weather_timeout_seconds,
    )
{%- if scheme == "oauth2_password" %}


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
{%- endif %}


def weather_credential(settings: Settings) -> Any | None:
    """The credential in the form the API's security scheme takes (None: a public API)."""
{%- if scheme.startswith("api_key") %}
    return {{ security_class }}.Parameters(value=required(settings.weather_api_key, "WEATHER_API_KEY"))
{%- elif scheme == "http_bearer" %}
    return HTTPBearer.Parameters(value=required(settings.weather_api_token, "WEATHER_API_TOKEN"))
{%- elif scheme == "http_basic" %}
    return HTTPBasic.Parameters(
        username=required(settings.weather_api_username, "WEATHER_API_USERNAME"),
        password=required(settings.weather_api_password, "WEATHER_API_PASSWORD"),
    )
{%- elif scheme == "oauth2_password" %}
    return PasswordCredential(
        username=required(settings.weather_api_username, "WEATHER_API_USERNAME"),
        password=required(settings.weather_api_password, "WEATHER_API_PASSWORD"),
        timeout_seconds=settings.weather_timeout_seconds,
    )
{%- else %}
    return None
{%- endif %}


def create_weather_api(settings: Settings) -> OpenAPIClient:
    """The weather client with this run's credential (built from the document once per process)."""
    credential = weather_credential(settings)  # a missing credential stops us before any request
    api = openapi_client(weather_source(settings), WEATHER_FUNCTIONS)
    api.apply_credential(credential, WEATHER_FUNCTIONS)
    return api


def review_weather_document(settings: Settings) -> tuple[bool, str]:
    """Whether the weather API's current document is accepted, and a report to print."""
    return review(weather_source(settings), WEATHER_FUNCTIONS)
