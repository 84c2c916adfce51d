"""The weather client: the credential scheme chosen in the environment, where the credential
goes, refusals, timeouts, and no leaked secrets."""

import base64
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from {{ cookiecutter.project_slug }} import weather
from {{ cookiecutter.project_slug }}.clients.credentials import CREDENTIAL_SCHEMES
from {{ cookiecutter.project_slug }}.demo.weather_api import (
    FORECAST_DATE,
    ISSUED_TOKEN,
    KEY_HEADER,
    KEY_PARAMETER,
    REFUSAL,
    VALID_KEY,
    VALID_PASSWORD,
    VALID_TOKEN,
    VALID_USERNAME,
    create_fake_weather_api,
    valid_environment,
)
from {{ cookiecutter.project_slug }}.settings import MissingSettingError
from {{ cookiecutter.project_slug }}.weather import (
    WEATHER_FUNCTIONS,
    WeatherAPIError,
    create_weather_api,
)

from .utils.loopback import LocalServer, serve

pytestmark = pytest.mark.usefixtures("configured")

BASIC_CREDENTIAL = base64.b64encode(f"{VALID_USERNAME}:{VALID_PASSWORD}".encode()).decode()
# What each scheme's data requests carry besides the city, by place and name.
EXPECTED_CREDENTIAL: dict[str, dict[str, str]] = {
    "api_key_header": {f"header:{KEY_HEADER.lower()}": VALID_KEY},
    "api_key_query": {f"query:{KEY_PARAMETER}": VALID_KEY},
    "api_key_cookie": {f"cookie:{KEY_PARAMETER}": VALID_KEY},
    "http_bearer": {"header:authorization": f"Bearer {VALID_TOKEN}"},
    "http_basic": {"header:authorization": f"Basic {BASIC_CREDENTIAL}"},
    "oauth2_password": {"header:authorization": f"Bearer {ISSUED_TOKEN}"},
    "none": {},
}
# The variables each scheme needs; a wrong value is tried in the first.
REQUIRED_VARIABLES: dict[str, list[str]] = {
    "api_key_header": ["WEATHER_API_KEY"],
    "api_key_query": ["WEATHER_API_KEY"],
    "api_key_cookie": ["WEATHER_API_KEY"],
    "http_bearer": ["WEATHER_API_TOKEN"],
    "http_basic": ["WEATHER_API_PASSWORD", "WEATHER_API_USERNAME"],
    "oauth2_password": ["WEATHER_API_PASSWORD", "WEATHER_API_USERNAME"],
    "none": [],
}
# Headers fastagency's client sends with every request ("cookie": compared cookie by cookie);
# any other header is there for a credential.
PLAIN_HEADERS = {
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "connection",
    "content-type",
    "cookie",
}


def daily_forecast(city: str) -> Any:
    return create_weather_api().get_function("get_daily_weather_daily_get")(city=city)


def answer_or_error(city: str) -> str:
    """The API's answer as the agent gets it, or the client's one-line error."""
    try:
        return str(daily_forecast(city))
    except WeatherAPIError as error:
        return str(error)


def credential_places(request: dict[str, Any]) -> dict[str, str]:
    """Everything a recorded request carried besides the city, by place and name."""
    places = {
        f"header:{name}": value
        for name, value in request["headers"].items()
        if name not in PLAIN_HEADERS
    }
    places |= {f"query:{name}": value for name, value in request["query"].items() if name != "city"}
    places |= {f"cookie:{name}": value for name, value in request["cookies"].items()}
    return places


def test_forecast_comes_from_the_api(weather_api: LocalServer) -> None:
    forecast = daily_forecast("Zagreb")

    assert forecast["city"] == "Zagreb"
    assert forecast["daily_forecasts"][0]["forecast_date"] == FORECAST_DATE


def test_agent_is_offered_the_daily_and_hourly_operations() -> None:
    api = create_weather_api()

    assert set(WEATHER_FUNCTIONS) == {
        "get_daily_weather_daily_get",
        "get_hourly_weather_hourly_get",
    }
    assert set(WEATHER_FUNCTIONS) <= set(api.function_names)


def test_api_without_the_operations_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weather, "WEATHER_FUNCTIONS", ["get_forecast"])

    with pytest.raises(WeatherAPIError, match=r"lacks the operations \['get_forecast'\]"):
        create_weather_api()


@pytest.mark.parametrize("scheme", list(CREDENTIAL_SCHEMES))
def test_scheme_chosen_in_the_environment_sends_its_credential_where_the_api_wants_it(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    # Every credential variable is set, as a .env may hold them: WEATHER_API_AUTH alone chooses.
    for variable, value in valid_environment(scheme).items():
        monkeypatch.setenv(variable, value)
    app = create_fake_weather_api(scheme)
    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        answer = answer_or_error("Zagreb")
        received = list(app.state.received)
        for variable in REQUIRED_VARIABLES[scheme][:1]:
            monkeypatch.setenv(variable, "wrong-credential")
            answer_to_a_wrong_credential = answer_or_error("Zagreb")

    assert FORECAST_DATE in answer
    # The password flow exchanges username and password for a token first.
    exchange = ["/token"] if scheme == "oauth2_password" else []
    assert [request["path"] for request in received] == [*exchange, "/daily"]
    assert credential_places(received[-1]) == EXPECTED_CREDENTIAL[scheme]
    if REQUIRED_VARIABLES[scheme]:  # a public API has no credential to get wrong
        assert REFUSAL in answer_to_a_wrong_credential
        assert FORECAST_DATE not in answer_to_a_wrong_credential


def test_unset_scheme_is_one_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    monkeypatch.delenv("WEATHER_API_AUTH")

    with pytest.raises(MissingSettingError) as refusal:
        create_weather_api()

    assert str(refusal.value) == (
        "WEATHER_API_AUTH is not set: put it in .env or the environment (see .env.example)"
    )
    assert weather_api.state.received == []


def test_unknown_scheme_is_refused_naming_the_known_ones(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    monkeypatch.setenv("WEATHER_API_AUTH", "api_key")

    with pytest.raises(WeatherAPIError) as refusal:
        create_weather_api()

    assert str(refusal.value) == (
        "WEATHER_API_AUTH is not one of api_key_header, api_key_query, api_key_cookie, "
        "http_bearer, http_basic, oauth2_password, none"
    )
    assert weather_api.state.received == []


@pytest.mark.parametrize(
    ("scheme", "variable"),
    [(scheme, variable) for scheme, names in REQUIRED_VARIABLES.items() for variable in names],
)
def test_missing_credential_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer, scheme: str, variable: str
) -> None:
    monkeypatch.setenv("WEATHER_API_AUTH", scheme)
    monkeypatch.delenv(variable)

    with pytest.raises(MissingSettingError) as refusal:
        create_weather_api()

    assert str(refusal.value).startswith(f"{variable} is not set")
    assert "\n" not in str(refusal.value)
    assert weather_api.state.received == []


@pytest.mark.parametrize(
    ("scheme", "sent"), [("http_bearer", "HTTPBearer"), ("none", "no credential")]
)
def test_api_wanting_another_scheme_is_named_without_the_secret(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer, scheme: str, sent: str
) -> None:
    monkeypatch.setenv("WEATHER_API_AUTH", scheme)

    with pytest.raises(WeatherAPIError) as refusal:
        create_weather_api()

    assert str(refusal.value) == (
        "the weather API wants APIKeyHeader for get_daily_weather_daily_get, "
        f"but WEATHER_API_AUTH={scheme} sends {sent}"
    )
    assert VALID_TOKEN not in str(refusal.value)
    assert [request["path"] for request in weather_api.state.received] == []


def test_hanging_api_fails_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    # 2 s, not less: the same timeout bounds fetching the document, which a loaded machine may
    # take a second to serve.
    monkeypatch.setenv("WEATHER_TIMEOUT_SECONDS", "2")
    api = create_weather_api()
    weather_api.state.delay_seconds = 30
    started = time.monotonic()

    with pytest.raises(WeatherAPIError, match=r"did not answer within 2 s"):
        api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    # The call gave up long before the 30 s the API hangs for.
    assert time.monotonic() - started < 20


def test_unreachable_api_error_names_no_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(create_fake_weather_api()) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        api = create_weather_api()
    # The server is gone now: the next call cannot connect.

    with pytest.raises(WeatherAPIError) as failure:
        api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert "ConnectionError" in str(failure.value)
    assert VALID_KEY not in str(failure.value)
    assert failure.value.__suppress_context__  # tracebacks do not show requests' own message


def test_unreachable_api_description_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEATHER_OPENAPI_URL", "http://127.0.0.1:9/openapi.json")

    with pytest.raises(WeatherAPIError, match="cannot load the weather API description"):
        create_weather_api()


def document_digest(server: LocalServer) -> str:
    served = requests.get(f"{server.url}/openapi.json", timeout=5)
    return hashlib.sha256(served.content).hexdigest()


def test_later_runs_reuse_the_client_without_fetching_the_document_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_fake_weather_api()  # a new server: this process has no client for it yet
    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        first = create_weather_api()
        second = create_weather_api()
        forecast = second.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert second is first
    assert app.state.documents_served == 1
    assert forecast["city"] == "Zagreb"


def test_runs_starting_together_build_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_fake_weather_api()
    with serve(app) as url, ThreadPoolExecutor(max_workers=8) as pool:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        clients = list(pool.map(lambda _: create_weather_api(), range(8)))

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
        create_weather_api()

    assert str(refusal.value) == (
        f"WEATHER_OPENAPI_URL document refused: its SHA-256 is {document_digest(weather_api)}, "
        f"but WEATHER_OPENAPI_SHA256 pins {pinned}"
    )
