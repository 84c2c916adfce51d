"""The fake LLM is a kit for testing agents: a test scripts its turns and reads its requests."""

import pytest

from {{ cookiecutter.project_slug }}.demo.llm import call, calls, say
from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE

from .fakes.llm import FakeLLM
from .utils.loopback import LocalServer
from .utils.workflows import run_workflow

DAILY = "get_daily_weather_daily_get"
HOURLY = "get_hourly_weather_hourly_get"


def forecasts_asked(weather_api: LocalServer) -> list[tuple[str, str]]:
    """The (path, city) of each forecast request (not the token request of OAuth2 schemes)."""
    return [
        (received["path"], received["query"]["city"])
        for received in weather_api.state.received
        if received["path"] in ("/daily", "/hourly")
    ]


@pytest.mark.usefixtures("configured")
def test_a_scripted_model_calls_the_tool_it_is_told_to_with_its_arguments(
    fake_llm: FakeLLM, weather_api: LocalServer
) -> None:
    fake_llm.script(call(HOURLY, city="Oslo"), say("Rain in Oslo all day."))

    result, _ = run_workflow("weather", question="What is the weather in Paris?")

    assert result == "Rain in Oslo all day."
    assert forecasts_asked(weather_api) == [("/hourly", "Oslo")]


@pytest.mark.usefixtures("configured")
def test_a_scripted_turn_can_ask_for_several_tools_at_once(
    fake_llm: FakeLLM, weather_api: LocalServer
) -> None:
    fake_llm.script(calls((DAILY, {"city": "Oslo"}), (DAILY, {"city": "Rome"})), say("Both done."))

    run_workflow("weather", question="Oslo or Rome?")

    assert sorted(forecasts_asked(weather_api)) == [("/daily", "Oslo"), ("/daily", "Rome")]


@pytest.mark.usefixtures("configured")
def test_a_test_can_assert_on_what_the_agents_sent_to_the_model(fake_llm: FakeLLM) -> None:
    fake_llm.script(call(DAILY, city="Paris"), say("Sunny."))

    run_workflow("weather", question="What is the weather in Paris?")

    asked, answered = fake_llm.requests
    assert asked["headers"]["authorization"] == "Bearer test-llm-key"
    assert [message["role"] for message in asked["body"]["messages"]] == ["system", "user"]
    assert asked["body"]["messages"][-1]["content"] == "What is the weather in Paris?"
    assert {tool["function"]["name"] for tool in asked["body"]["tools"]} == {DAILY, HOURLY}
    tool_result = answered["body"]["messages"][-1]
    assert tool_result["role"] == "tool" and FORECAST_DATE in tool_result["content"]


@pytest.mark.usefixtures("configured")
def test_a_model_asked_more_often_than_scripted_fails_the_workflow_saying_so(
    fake_llm: FakeLLM,
) -> None:
    fake_llm.script(call(DAILY, city="Paris"))

    result, _ = run_workflow("weather", question="What is the weather in Paris?")

    assert "the fake LLM's script has no turn left for request 2" in result


@pytest.mark.usefixtures("configured")
def test_without_a_script_the_model_answers_weather_questions(fake_llm: FakeLLM) -> None:
    result, _ = run_workflow("weather", question="What is the hourly weather in Oslo?")

    assert "'city': 'Oslo'" in result and FORECAST_DATE in result
    assert len(fake_llm.requests) == 2
