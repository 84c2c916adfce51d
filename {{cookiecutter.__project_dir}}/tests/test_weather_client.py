"""The weather client: credential placement, refusals, timeouts, and no leaked secrets."""
{%- set scheme = cookiecutter.weather_api_auth %}

{% if scheme == "http_basic" %}import base64
{% endif %}import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
{%- if scheme != "none" %}
from fastagency.api.openapi.security import {{ "APIKeyHeader" if scheme == "http_bearer" else "HTTPBearer" }}
{%- endif %}

from {{ cookiecutter.project_slug }} import weather
from {{ cookiecutter.project_slug }}.settings import {% if scheme != "none" %}MissingSettingError, {% endif %}Settings
from {{ cookiecutter.project_slug }}.weather import (
    WEATHER_FUNCTIONS,
    WeatherAPIError,
    create_weather_api,
)

from .fakes.weather_api import (
    FORECAST_DATE,
{%- if scheme == "oauth2_password" %}
    ISSUED_TOKEN,
{%- endif %}
{%- if scheme != "none" %}
    REFUSAL,
{%- endif %}
{%- if scheme.startswith("api_key") or scheme == "http_bearer" %}
    VALID_CREDENTIAL,
{%- elif scheme in ["http_basic", "oauth2_password"] %}
    VALID_PASSWORD,
{%- endif %}
{%- if scheme == "http_basic" %}
    VALID_USERNAME,
{%- endif %}
    create_fake_weather_api,
)
{%- if scheme != "none" %}
from .utils.environment import SECRET_VARIABLE
{%- endif %}
from .utils.loopback import LocalServer, serve

pytestmark = pytest.mark.usefixtures("configured")


def daily_forecast(city: str) -> Any:
    api = create_weather_api(Settings())
    return api.get_function("get_daily_weather_daily_get")(city=city)


def places_holding(request: dict[str, Any], secret: str) -> set[str]:
    """Where in a recorded request a secret appears: header, query or cookie, by name."""
    places = {
        f"header:{name}"
        for name, value in request["headers"].items()
        if secret in value and name != "cookie"
    }
    places |= {f"query:{name}" for name, value in request["query"].items() if secret in value}
    places |= {f"cookie:{name}" for name, value in request["cookies"].items() if secret in value}
    return places


def test_forecast_comes_from_the_api(weather_api: LocalServer) -> None:
    forecast = daily_forecast("Zagreb")

    assert forecast["city"] == "Zagreb"
    assert forecast["daily_forecasts"][0]["forecast_date"] == FORECAST_DATE


def test_agent_is_offered_the_daily_and_hourly_operations() -> None:
    api = create_weather_api(Settings())

    assert set(WEATHER_FUNCTIONS) == {
        "get_daily_weather_daily_get",
        "get_hourly_weather_hourly_get",
    }
    assert set(WEATHER_FUNCTIONS) <= set(api.function_names)


def test_api_without_the_operations_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weather, "WEATHER_FUNCTIONS", ["get_forecast"])

    with pytest.raises(WeatherAPIError, match=r"lacks the operations \['get_forecast'\]"):
        create_weather_api(Settings())
{%- if scheme.startswith("api_key") %}
{%- set place = {"api_key_header": "header:x-weather-key", "api_key_query": "query:weather_key", "api_key_cookie": "cookie:weather_key"}[scheme] %}


def test_api_receives_the_key_in_the_place_its_document_declares(weather_api: LocalServer) -> None:
    daily_forecast("Zagreb")

    [request] = weather_api.state.received
    assert places_holding(request, VALID_CREDENTIAL) == {"{{ place }}"}
{%- elif scheme == "http_bearer" %}


def test_api_receives_the_token_as_a_bearer_credential(weather_api: LocalServer) -> None:
    daily_forecast("Zagreb")

    [request] = weather_api.state.received
    assert request["headers"]["authorization"] == f"Bearer {VALID_CREDENTIAL}"
    assert places_holding(request, VALID_CREDENTIAL) == {"header:authorization"}
{%- elif scheme == "http_basic" %}


def test_api_receives_username_and_password_as_basic_auth(weather_api: LocalServer) -> None:
    daily_forecast("Zagreb")

    [request] = weather_api.state.received
    expected = base64.b64encode(f"{VALID_USERNAME}:{VALID_PASSWORD}".encode()).decode()
    assert request["headers"]["authorization"] == f"Basic {expected}"
    assert places_holding(request, VALID_PASSWORD) == set()
{%- elif scheme == "oauth2_password" %}


def test_password_is_exchanged_for_a_token_which_is_then_used(weather_api: LocalServer) -> None:
    daily_forecast("Zagreb")

    token_request, forecast_request = weather_api.state.received
    assert token_request["path"] == "/token"
    assert forecast_request["path"] == "/daily"
    assert forecast_request["headers"]["authorization"] == f"Bearer {ISSUED_TOKEN}"
    assert places_holding(forecast_request, VALID_PASSWORD) == set()
{%- else %}


def test_public_api_gets_no_credential(weather_api: LocalServer) -> None:
    daily_forecast("Zagreb")

    [request] = weather_api.state.received
    assert "authorization" not in request["headers"]
    assert request["cookies"] == {}
{%- endif %}
{%- if scheme != "none" %}


def test_wrong_credential_returns_the_api_refusal(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, "wrong-credential")
{%- if scheme == "oauth2_password" %}

    with pytest.raises(WeatherAPIError, match=f"refused the request: HTTP 401.*{REFUSAL}"):
        daily_forecast("Zagreb")
    assert [request["path"] for request in weather_api.state.received] == ["/token"]
{%- else %}

    answer = daily_forecast("Zagreb")

    assert answer == {"detail": REFUSAL}
{%- endif %}


def test_missing_credential_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    monkeypatch.delenv(SECRET_VARIABLE)

    with pytest.raises(MissingSettingError) as refusal:
        create_weather_api(Settings())

    assert str(refusal.value).startswith(f"{SECRET_VARIABLE} is not set")
    assert "\n" not in str(refusal.value)
    assert weather_api.state.received == []


def test_api_wanting_another_scheme_is_named_without_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured = weather.weather_credential(Settings())
    assert configured is not None
    expected = configured.get_security_class().__name__
    other = {{ "APIKeyHeader" if scheme == "http_bearer" else "HTTPBearer" }}.Parameters(value="secret-of-another-scheme")
    monkeypatch.setattr(weather, "weather_credential", lambda settings: other)

    with pytest.raises(WeatherAPIError) as refusal:
        create_weather_api(Settings())

    assert str(refusal.value) == (
        f"the weather API wants {expected} for get_daily_weather_daily_get, "
        "but this project sends {{ "APIKeyHeader" if scheme == "http_bearer" else "HTTPBearer" }}"
    )
    assert "secret-of-another-scheme" not in str(refusal.value)
{%- endif %}


def test_hanging_api_fails_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    # 2 s, not less: the same timeout bounds fetching the document, which a loaded machine may
    # take a second to serve.
    monkeypatch.setenv("WEATHER_TIMEOUT_SECONDS", "2")
    api = create_weather_api(Settings())
    weather_api.state.delay_seconds = 30
    started = time.monotonic()

    with pytest.raises(WeatherAPIError, match=r"did not answer within 2 s"):
        api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    # The call gave up long before the 30 s the API hangs for.
    assert time.monotonic() - started < 20


def test_unreachable_api_error_names_no_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(create_fake_weather_api()) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        api = create_weather_api(Settings())
    # The server is gone now: the next call cannot connect.

    with pytest.raises(WeatherAPIError) as failure:
        api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert "ConnectionError" in str(failure.value)
{%- if scheme.startswith("api_key") or scheme == "http_bearer" %}
    assert VALID_CREDENTIAL not in str(failure.value)
{%- elif scheme in ["http_basic", "oauth2_password"] %}
    assert VALID_PASSWORD not in str(failure.value)
{%- endif %}
    assert failure.value.__suppress_context__  # tracebacks do not show requests' own message


def test_unreachable_api_description_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEATHER_OPENAPI_URL", "http://127.0.0.1:9/openapi.json")

    with pytest.raises(WeatherAPIError, match="cannot load the weather API description"):
        create_weather_api(Settings())


def document_digest(server: LocalServer) -> str:
    served = requests.get(f"{server.url}/openapi.json", timeout=5)
    return hashlib.sha256(served.content).hexdigest()


def test_later_runs_reuse_the_client_without_fetching_the_document_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_fake_weather_api()  # a new server: this process has no client for it yet
    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        first = create_weather_api(Settings())
        second = create_weather_api(Settings())
        forecast = second.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert second is first
    assert app.state.documents_served == 1
    assert forecast["city"] == "Zagreb"


def test_runs_starting_together_build_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_fake_weather_api()
    with serve(app) as url, ThreadPoolExecutor(max_workers=8) as pool:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        clients = list(pool.map(lambda _: create_weather_api(Settings()), range(8)))

    assert all(client is clients[0] for client in clients)
    assert app.state.documents_served == 1


def test_document_with_the_pinned_digest_is_used(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    monkeypatch.setenv("WEATHER_OPENAPI_SHA256", document_digest(weather_api).upper())

    assert daily_forecast("Zagreb")["city"] == "Zagreb"


def test_document_other_than_the_pinned_one_is_refused(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    pinned = hashlib.sha256(b"the document as it was reviewed").hexdigest()
    monkeypatch.setenv("WEATHER_OPENAPI_SHA256", pinned)

    with pytest.raises(WeatherAPIError) as refusal:
        create_weather_api(Settings())

    assert str(refusal.value) == (
        f"WEATHER_OPENAPI_URL document refused: its SHA-256 is {document_digest(weather_api)}, "
        f"but WEATHER_OPENAPI_SHA256 pins {pinned}"
    )
