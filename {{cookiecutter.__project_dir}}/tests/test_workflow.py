"""The whole weather workflow, run against the fake LLM and the local weather API."""

import pytest

from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE, FORECAST_TEMPERATURE, REFUSAL

from .fakes.recording_ui import RecordingUI
from .utils.environment import SECRET_VARIABLE
from .utils.loopback import LocalServer
from .utils.processes import PROJECT_ROOT, run_python
from .utils.workflows import run_workflow

MAIN_MODULE = PROJECT_ROOT / "{{ cookiecutter.project_slug }}" / "main.py"
QUESTION = "What is the weather in Paris?"


def run_weather(question: str = QUESTION) -> tuple[str, RecordingUI]:
    return run_workflow("weather", question=question)


@pytest.mark.smoke
@pytest.mark.usefixtures("configured")
def test_question_is_answered_with_the_forecast_from_the_api(
    fake_llm: LocalServer, weather_api: LocalServer
) -> None:
    result, _ = run_weather()

    assert "'city': 'Paris'" in result
    assert FORECAST_DATE in result and f"'temperature': {FORECAST_TEMPERATURE}" in result
    assert [request["path"] for request in weather_api.state.received][-1] == "/daily"
    tool_results = [
        message["content"]
        for request in fake_llm.state.requests
        for message in request["body"]["messages"]
        if message["role"] == "tool"
    ]
    assert any(FORECAST_DATE in content for content in tool_results)


@pytest.mark.usefixtures("configured")
def test_every_step_reaches_the_ui(fake_llm: LocalServer) -> None:
    _, ui = run_weather()

    assert ui.types() == [
        "workflow_started",
        "text_message",
        "suggested_function_call",
        "function_call_execution",
        "text_message",
        "text_message",  # the reason the chat ended
        "workflow_completed",
    ]


@pytest.mark.usefixtures("configured")
def test_hourly_question_calls_the_hourly_operation(weather_api: LocalServer) -> None:
    result, _ = run_weather("What is the hourly weather in Oslo?")

    assert "'city': 'Oslo'" in result
    assert weather_api.state.received[-1]["path"] == "/hourly"


@pytest.mark.usefixtures("configured")
def test_llm_gets_the_configured_key_and_model(
    monkeypatch: pytest.MonkeyPatch, fake_llm: LocalServer
) -> None:
    monkeypatch.setenv("LLM_MODEL", "local-test-model")

    run_weather()

    assert fake_llm.state.requests
    for request in fake_llm.state.requests:
        assert request["headers"]["authorization"] == "Bearer test-llm-key"
        assert request["body"]["model"] == "local-test-model"


@pytest.mark.usefixtures("configured")
def test_wrong_weather_credential_is_reported_to_the_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, "wrong-credential")

    result, _ = run_weather()

    assert REFUSAL in result
    assert FORECAST_DATE not in result


@pytest.mark.usefixtures("configured")
def test_missing_weather_credential_stops_before_any_agent(
    monkeypatch: pytest.MonkeyPatch, fake_llm: LocalServer, weather_api: LocalServer
) -> None:
    monkeypatch.delenv(SECRET_VARIABLE)

    result, ui = run_weather()

    assert result.startswith(f"Not started: {SECRET_VARIABLE} is not set")
    assert "error" in ui.types()
    assert fake_llm.state.requests == []
    assert weather_api.state.received == []


@pytest.mark.usefixtures("configured")
def test_missing_llm_key_stops_before_any_agent(
    monkeypatch: pytest.MonkeyPatch, fake_llm: LocalServer, weather_api: LocalServer
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")

    result, ui = run_weather()

    assert result == (
        "Not started: OPENAI_API_KEY is not set: put it in .env or the environment "
        "(see .env.example)"
    )
    errors = [message for message in ui.messages if message.type == "error"]
    assert [error.short for error in errors] == [result.removeprefix("Not started: ")]
    assert fake_llm.state.requests == []
    assert weather_api.state.received == []


@pytest.mark.slow
@pytest.mark.usefixtures("configured")
def test_console_app_answers_a_question_typed_at_the_prompt() -> None:
    run = run_python(
        "-m", "fastagency", "run", str(MAIN_MODULE), "--single-run", stdin=f"{QUESTION}\n"
    )

    assert run.returncode == 0, run.stderr
    assert FORECAST_DATE in run.stdout
