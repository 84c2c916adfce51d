"""Loopback fixtures: a fake LLM and a local weather API, and a guard against the internet."""

from collections.abc import Iterator
from typing import Any

import pytest

from {{ cookiecutter.project_slug }}.clients import openapi

from .fakes.llm import create_fake_llm
from .fakes.weather_api import DEFAULT_SCHEME, create_fake_weather_api, valid_environment
from .utils.environment import CONFIG_VARIABLES
from .utils.loopback import LocalServer, refuse_non_loopback_connections, serve

refuse_non_loopback_connections()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No configuration leaks in from the developer's shell or the project's .env file."""
    for variable in CONFIG_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def no_clients_from_earlier_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients are kept per document URL for the process; a test server on a port an earlier
    one used (with another document or scheme) must not get that server's client."""
    monkeypatch.setattr(openapi, "_clients", {})


# The servers start once per session; each test gets them with their records cleared.
@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[LocalServer]:
    app = create_fake_llm()
    with serve(app) as url:
        yield LocalServer(url, app)


@pytest.fixture(scope="session")
def weather_api_server() -> Iterator[LocalServer]:
    app = create_fake_weather_api(DEFAULT_SCHEME)
    with serve(app) as url:
        yield LocalServer(url, app)


@pytest.fixture
def fake_llm(fake_llm_server: LocalServer) -> LocalServer:
    fake_llm_server.state.requests.clear()
    return fake_llm_server


@pytest.fixture
def weather_api(weather_api_server: LocalServer) -> LocalServer:
    weather_api_server.state.received.clear()
    weather_api_server.state.delay_seconds = 0.0
    weather_api_server.state.redirect_to = None
    return weather_api_server


@pytest.fixture
def configured(
    monkeypatch: pytest.MonkeyPatch, fake_llm: LocalServer, weather_api: LocalServer
) -> None:
    """Environment pointing the project at the two local servers, with valid credentials
    (every scheme's, the weather API wanting DEFAULT_SCHEME's)."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-llm-key")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_llm.url}/v1")
    monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{weather_api.url}/openapi.json")
    for variable, value in valid_environment(DEFAULT_SCHEME).items():
        monkeypatch.setenv(variable, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: a long test picked up last would leave the other workers idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
