"""The weather REST API client the agent calls, with the configured credential applied."""

import functools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from fastagency.api.openapi import OpenAPI
{%- if cookiecutter.weather_api_auth != "none" %}
{%- set security_class = {
    "api_key_header": "APIKeyHeader",
    "api_key_query": "APIKeyQuery",
    "api_key_cookie": "APIKeyCookie",
    "http_bearer": "HTTPBearer",
    "http_basic": "HTTPBasic",
    "oauth2_password": "OAuth2PasswordBearer",
}[cookiecutter.weather_api_auth] %}
from fastagency.api.openapi.security import {{ security_class }}
{%- endif %}

from .settings import Settings{% if cookiecutter.weather_api_auth != "none" %}, required{% endif %}

# The API operations (operationIds) the agent may call; the model sees them by these names.
WEATHER_FUNCTIONS = ["get_daily_weather_daily_get", "get_hourly_weather_hourly_get"]

# fastapi-code-generator changes the working directory while it runs: one client at a time.
_create_lock = threading.Lock()


class WeatherAPIError(RuntimeError):
    """The weather API could not be reached or did not answer usefully."""


class WeatherAPI(OpenAPI):  # type: ignore[misc]
    """FastAgency's OpenAPI client with our own code template and a timeout on every call."""

    timeout_seconds: float = 10.0

    @classmethod
    def _get_template_dir(cls) -> Path:
        # fastagency's default folder is shared with ag2's templates and breaks generation.
        return Path(__file__).parent / "openapi_template"

    def _process_params(
        self, path: str, func: Callable[..., Any], **kwargs: Any
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        url, params, request_kwargs = super()._process_params(path, func, **kwargs)
        request_kwargs["timeout"] = self.timeout_seconds
        return url, params, request_kwargs


def _errors_without_secrets(call: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    # requests puts the whole URL (query-string credentials included) in its error texts.
    @functools.wraps(call)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except requests.HTTPError as error:
            # Raised by the token exchange; data requests hand the API's answer to the agent.
            raise WeatherAPIError(
                f"the weather API refused the request: HTTP {error.response.status_code} "
                f"{error.response.text[:200]}"
            ) from None
        except requests.Timeout:
            raise WeatherAPIError(f"the weather API did not answer within {timeout:g} s") from None
        except requests.RequestException as error:
            raise WeatherAPIError(
                f"the weather API request failed ({type(error).__name__})"
            ) from None

    return guarded


def _fetch_openapi_spec(settings: Settings) -> str:
    try:
        response = requests.get(
            settings.weather_openapi_url, timeout=settings.weather_timeout_seconds
        )
        response.raise_for_status()
        spec = response.json()
    except (requests.RequestException, ValueError) as error:
        raise WeatherAPIError(
            f"cannot load the weather API description from WEATHER_OPENAPI_URL "
            f"({settings.weather_openapi_url}): {type(error).__name__}"
        ) from None
    if not spec.get("servers"):
        # The code generator needs a server; the document's own origin is the natural one.
        origin = urlsplit(settings.weather_openapi_url)
        spec["servers"] = [{"url": f"{origin.scheme}://{origin.netloc}"}]
    return json.dumps(spec)


{% if cookiecutter.weather_api_auth == "none" -%}
def create_weather_api(settings: Settings) -> WeatherAPI:
    """Build the client from the API's OpenAPI document (one HTTP request)."""
    spec = _fetch_openapi_spec(settings)
    with _create_lock:
        api: WeatherAPI = WeatherAPI.create(openapi_json=spec)
{%- else -%}
def weather_credential(settings: Settings) -> Any:
    """The credential in the form the API's security scheme expects."""
{%- if cookiecutter.weather_api_auth.startswith("api_key") %}
    return {{ security_class }}.Parameters(value=required(settings.weather_api_key, "WEATHER_API_KEY"))
{%- elif cookiecutter.weather_api_auth == "http_bearer" %}
    return HTTPBearer.Parameters(value=required(settings.weather_api_token, "WEATHER_API_TOKEN"))
{%- elif cookiecutter.weather_api_auth == "http_basic" %}
    return HTTPBasic.Parameters(
        username=required(settings.weather_api_username, "WEATHER_API_USERNAME"),
        password=required(settings.weather_api_password, "WEATHER_API_PASSWORD"),
    )
{%- elif cookiecutter.weather_api_auth == "oauth2_password" %}
    return OAuth2PasswordBearer.Parameters(
        username=required(settings.weather_api_username, "WEATHER_API_USERNAME"),
        password=required(settings.weather_api_password, "WEATHER_API_PASSWORD"),
    )
{%- endif %}


def create_weather_api(settings: Settings) -> WeatherAPI:
    """Build the client from the API's OpenAPI document (one HTTP request)."""
    credential = weather_credential(settings)
    spec = _fetch_openapi_spec(settings)
    with _create_lock:
        api: WeatherAPI = WeatherAPI.create(openapi_json=spec)
    api.set_security_params(credential)
{%- endif %}
    missing = set(WEATHER_FUNCTIONS) - set(api.function_names)
    if missing:
        raise WeatherAPIError(
            f"the API at WEATHER_OPENAPI_URL lacks the operations {sorted(missing)}: "
            "edit WEATHER_FUNCTIONS in weather.py to match its operationIds"
        )
    api.timeout_seconds = settings.weather_timeout_seconds
    for name in api.function_names:
        api.set_function(
            name, _errors_without_secrets(api.get_function(name), settings.weather_timeout_seconds)
        )
    return api
