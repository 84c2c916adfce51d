"""The weather REST API client the agent calls, with the configured credential applied."""
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

import functools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from fastagency.api.openapi import OpenAPI
{%- if security_class %}
from fastagency.api.openapi.security import {{ security_class }}
{%- endif %}

from .settings import Settings{% if security_class %}, required{% endif %}

# The API operations (operationIds) the agent may call; the model sees them by these names.
WEATHER_FUNCTIONS = ["get_daily_weather_daily_get", "get_hourly_weather_hourly_get"]

# fastapi-code-generator changes the working directory while it runs: one client at a time.
_create_lock = threading.Lock()


class WeatherAPIError(RuntimeError):
    """The weather API could not be used; the message never contains a credential."""


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

    def apply_credential(self, credential: Any | None) -> None:
        """Use `credential` for the agent's operations, once sure the API accepts that scheme."""
        sent = credential.get_security_class().__name__ if credential else "no credential"
        for name in WEATHER_FUNCTIONS:
            schemes = self._security.get(name, [])
            if schemes and not (credential and any(s.accept(credential) for s in schemes)):
                wanted = " or ".join(type(scheme).__name__ for scheme in schemes)
                # fastagency's own mismatch error would print the credential itself.
                raise WeatherAPIError(
                    f"the weather API wants {wanted} for {name}, but this project sends {sent}"
                )
        if credential:
            self.set_security_params(credential)
{% if scheme == "oauth2_password" %}

class PasswordCredential(OAuth2PasswordBearer.Parameters):  # type: ignore[misc]
    """OAuth2 password credentials whose token request obeys WEATHER_TIMEOUT_SECONDS too."""

    timeout_seconds: float = 10.0

    def get_token(self, token_url: str) -> str:
        form = {"username": self.username, "password": self.password}
        response = requests.post(token_url, data=form, timeout=self.timeout_seconds)
        response.raise_for_status()
        return str(response.json()["access_token"])
{% endif %}

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


def _errors_without_secrets(call: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    # requests puts the whole URL (query-string credentials included) in its error texts.
    @functools.wraps(call)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except requests.HTTPError as error:
            # Raised by the token exchange; data requests hand the API's answer to the agent.
            answer = error.response
            status = "" if answer is None else f": HTTP {answer.status_code} {answer.text[:200]}"
            raise WeatherAPIError(f"the weather API refused the request{status}") from None
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


def create_weather_api(settings: Settings) -> WeatherAPI:
    """Build the client from the API's OpenAPI document (one HTTP request, never at import)."""
    credential = weather_credential(settings)  # a missing credential stops us before any request
    spec = _fetch_openapi_spec(settings)
    with _create_lock:
        api: WeatherAPI = WeatherAPI.create(openapi_json=spec)
    missing = set(WEATHER_FUNCTIONS) - set(api.function_names)
    if missing:
        raise WeatherAPIError(
            f"the API at WEATHER_OPENAPI_URL lacks the operations {sorted(missing)}: "
            "edit WEATHER_FUNCTIONS in weather.py to match its operationIds"
        )
    api.apply_credential(credential)
    api.timeout_seconds = settings.weather_timeout_seconds
    for name in WEATHER_FUNCTIONS:
        guarded = _errors_without_secrets(api.get_function(name), api.timeout_seconds)
        api.set_function(name, guarded)
    return api
