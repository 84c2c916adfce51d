"""Record and replay: a run against a provider is kept as a cassette without secrets, and
replayed offline; a run that asks something else fails with a diff.

A second fake LLM stands in for the real provider (these tests cannot reach the internet).
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.demo.llm import call, create_fake_llm, say
from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE

from .fakes.llm import FakeLLM
from .fakes.llm_cassette import Provider, cassette_llm, secrets_in_environment
from .utils.loopback import serve
from .utils.processes import PROJECT_ROOT, run_python
from .utils.workflows import run_workflow

PROVIDER_KEY = "sk-provider-key-0123456789abcdef"  # pragma: allowlist secret
QUESTION = "What is the weather in Paris?"
# A test as a user writes one: it asks for the llm_cassette fixture, nothing else changes.
RECORDED_TEST = f"""
import pytest

from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from tests.utils.workflows import run_workflow


@pytest.mark.usefixtures("llm_cassette")
def test_weather_in_paris() -> None:
    result, _ = run_workflow("weather", question="{QUESTION}")
    assert FORECAST_DATE in result
"""


@pytest.fixture
def provider() -> Iterator[FakeLLM]:
    """The stand-in provider, stopped when the test ends."""
    app = create_fake_llm()
    with serve(app) as url:
        yield FakeLLM(url, app)


def record(
    path: Path, provider_url: str, monkeypatch: pytest.MonkeyPatch, question: str = QUESTION
) -> str:
    with cassette_llm(path, secrets_in_environment(), Provider(provider_url, PROVIDER_KEY)) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        result, _ = run_workflow("weather", question=question)
    return result


def replay(path: Path, monkeypatch: pytest.MonkeyPatch, question: str = QUESTION) -> str:
    with cassette_llm(path, secrets_in_environment(), record_from=None) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        result, _ = run_workflow("weather", question=question)
    return result


@pytest.mark.usefixtures("configured")
def test_a_recording_reaches_the_provider_with_its_key_and_keeps_each_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: FakeLLM
) -> None:
    cassette = tmp_path / "weather.json"

    result = record(cassette, f"{provider.url}/v1", monkeypatch)

    assert FORECAST_DATE in result
    assert [request["headers"]["authorization"] for request in provider.requests] == [
        f"Bearer {PROVIDER_KEY}"
    ] * 2
    exchanges = json.loads(cassette.read_text())["exchanges"]
    assert [exchange["request"] for exchange in exchanges] == [
        request["body"] for request in provider.requests
    ]


@pytest.mark.usefixtures("configured")
def test_a_cassette_holds_no_key_or_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: FakeLLM
) -> None:
    # The worst case: a question carrying a token, and a model repeating every secret it knows.
    access_token = "opaque-access-token-0123456789"  # pragma: allowlist secret
    web_token = "eyJhbGciOiJIUzI1NiJ9.e30.signature"  # pragma: allowlist secret
    known = [*secrets_in_environment(), PROVIDER_KEY, web_token]
    provider.script(call("get_daily_weather_daily_get", city="Paris"), say(" ".join(known)))
    cassette = tmp_path / "weather.json"

    question = f"{QUESTION} Authorization: Bearer {access_token}"
    record(cassette, f"{provider.url}/v1", monkeypatch, question)

    text = cassette.read_text()
    assert "test-llm-key" in known
    assert [secret for secret in [*known, access_token] if secret in text] == []
    assert "<scrubbed>" in text


@pytest.mark.usefixtures("configured")
def test_a_replay_answers_as_recorded_with_the_provider_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM
) -> None:
    cassette = tmp_path / "weather.json"
    with serve(create_fake_llm()) as provider_url:
        recorded = record(cassette, f"{provider_url}/v1", monkeypatch)

    replayed = replay(cassette, monkeypatch)

    assert replayed == recorded
    assert fake_llm.requests == []  # nothing else answered in its place


@pytest.mark.usefixtures("configured")
def test_a_replay_that_asks_something_else_fails_with_a_readable_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: FakeLLM
) -> None:
    cassette = tmp_path / "weather.json"
    record(cassette, f"{provider.url}/v1", monkeypatch)

    with pytest.raises(AssertionError) as failure:
        replay(cassette, monkeypatch, "What is the weather in Oslo?")

    report = str(failure.value)
    assert "request 1 differs from the cassette's" in report
    assert '-      "content": "What is the weather in Paris?",' in report
    assert '+      "content": "What is the weather in Oslo?",' in report


@pytest.mark.usefixtures("configured")
def test_replaying_a_cassette_never_recorded_says_how_to_record_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(AssertionError, match="record it with `pytest --record-llm`"):
        replay(tmp_path / "missing.json", monkeypatch)


@pytest.mark.slow
def test_pytest_record_llm_records_a_cassette_that_later_runs_replay_offline(
    tmp_path: Path, provider: FakeLLM
) -> None:
    test_file = tmp_path / "test_recorded.py"
    test_file.write_text(RECORDED_TEST)
    # The project's settings and fixtures, for a test file outside its tests/ folder.
    pytest_command = ["-m", "pytest", "-c", str(PROJECT_ROOT / "pyproject.toml")]
    pytest_command += ["-p", "tests.conftest", "-p", "no:cacheprovider", "-n", "0"]
    provider_settings = {"OPENAI_API_KEY": PROVIDER_KEY, "OPENAI_BASE_URL": f"{provider.url}/v1"}

    recording = run_python(
        *pytest_command, "--record-llm", str(test_file), stdin="", env=provider_settings
    )
    replaying = run_python(*pytest_command, str(test_file), stdin="")

    assert recording.returncode == 0, recording.stdout[-3000:]
    assert replaying.returncode == 0, replaying.stdout[-3000:]
    cassette = tmp_path / "cassettes" / "test_recorded" / "test_weather_in_paris.json"
    assert len(json.loads(cassette.read_text())["exchanges"]) == len(provider.requests) == 2
    assert PROVIDER_KEY not in cassette.read_text()
