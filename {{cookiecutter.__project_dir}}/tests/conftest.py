"""Loopback fixtures: a fake LLM and a local weather API, and a guard against the internet."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.project_slug }}.clients import openapi
from {{ cookiecutter.project_slug }}.demo.llm import create_fake_llm
from {{ cookiecutter.project_slug }}.demo.weather_api import (
    DEFAULT_SCHEME,
    create_fake_weather_api,
    valid_environment,
)

from .fakes.llm import FakeLLM
from .fakes.llm_cassette import (
    Provider,
    cassette_llm,
    cassette_path,
    secrets_in_environment,
)
from .utils.environment import CONFIG_VARIABLES
from .utils.loopback import LocalServer, refuse_non_loopback_connections, serve

# The provider --record-llm records from (absent: the tests replay cassettes, offline).
RECORD_FROM = pytest.StashKey[Provider]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-llm",
        action="store_true",
        help="record the cassettes of tests that use llm_cassette from the real LLM provider "
        "(OPENAI_API_KEY and OPENAI_BASE_URL from .env or the environment); needs the internet",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--record-llm"):
        refuse_non_loopback_connections()
        return
    # Imported only to record: the project's package, imported while pytest loads this file,
    # would lose the warning filters its __init__.py sets.
    from {{ cookiecutter.project_slug }}.settings import MissingSettingError, Settings, required

    settings = Settings()  # the provider the project is configured for, in .env or the shell
    try:
        api_key = required(settings.openai_api_key, "OPENAI_API_KEY")
    except MissingSettingError as error:
        raise pytest.UsageError(f"--record-llm: {error}") from None
    base_url = settings.openai_base_url or "https://api.openai.com/v1"
    config.stash[RECORD_FROM] = Provider(base_url, api_key)


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
def fake_llm_server() -> Iterator[FakeLLM]:
    app = create_fake_llm()
    with serve(app) as url:
        yield FakeLLM(url, app)


@pytest.fixture(scope="session")
def weather_api_server() -> Iterator[LocalServer]:
    app = create_fake_weather_api(DEFAULT_SCHEME)
    with serve(app) as url:
        yield LocalServer(url, app)


@pytest.fixture
def fake_llm(fake_llm_server: FakeLLM) -> FakeLLM:
    """The fake LLM ({{ cookiecutter.project_slug }}/demo/llm.py): answers weather questions unless the test scripts it."""
    fake_llm_server.reset()
    return fake_llm_server


@pytest.fixture
def weather_api(weather_api_server: LocalServer) -> LocalServer:
    weather_api_server.state.received.clear()
    weather_api_server.state.delay_seconds = 0.0
    weather_api_server.state.redirect_to = None
    return weather_api_server


@pytest.fixture
def configured(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM, weather_api: LocalServer
) -> None:
    """Environment pointing the project at the two local servers, with valid credentials
    (every scheme's, the weather API wanting DEFAULT_SCHEME's)."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-llm-key")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_llm.url}/v1")
    monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{weather_api.url}/openapi.json")
    for variable, value in valid_environment(DEFAULT_SCHEME).items():
        monkeypatch.setenv(variable, value)


@pytest.fixture
def llm_cassette(
    request: pytest.FixtureRequest, configured: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The project's LLM replayed from this test's cassette (tests/fakes/llm_cassette.py), offline;
    with --record-llm, the real provider, recorded into it. Yields the cassette's path."""
    path = cassette_path(request.path, request.node.name)
    record_from = request.config.stash.get(RECORD_FROM, None)
    with cassette_llm(path, secrets_in_environment(), record_from) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        yield path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: a long test picked up last would leave the other workers idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
