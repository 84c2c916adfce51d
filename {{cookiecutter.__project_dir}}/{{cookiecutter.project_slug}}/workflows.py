"""The AG2 workflows this project serves."""

from typing import Any

from autogen import ConversableAgent, LLMConfig, UserProxyAgent
from fastagency import UI
from fastagency.runtimes.ag2 import Workflow

from .events import forward_events
from .settings import MissingSettingError, Settings, required
from .weather import WEATHER_FUNCTIONS, WeatherAPIError, create_weather_api

wf = Workflow()
{%- if cookiecutter.service == "fastapi_oauth2" %}

# Which roles may run each workflow over the web service (a workflow not listed: nobody).
WORKFLOW_ROLES: dict[str, tuple[str, ...]] = {
    "weather": ("admin", "user"),
}
{%- endif %}

# Upper bound on question/tool-call rounds, so a confused model cannot loop (and spend) forever.
MAX_TURNS = 5

WEATHER_AGENT_PROMPT = (
    "You answer weather questions. Always call a forecast function for the city asked about "
    "and answer only from what it returns. If it returns an error, say so plainly."
)


def llm_config(settings: Settings) -> LLMConfig:
    config: dict[str, Any] = {
        "model": settings.llm_model,
        "api_key": required(settings.openai_api_key, "OPENAI_API_KEY"),
        # Cost tables only know OpenAI's models; local and proxied models are free to us.
        "price": [0, 0],
    }
    if settings.openai_base_url:
        config["base_url"] = settings.openai_base_url
    return LLMConfig(config)


@wf.register(name="weather", description="Ask about the weather in a city")
def weather_workflow(ui: UI, params: dict[str, Any]) -> str:
    settings = Settings()
    try:
        config = llm_config(settings)
        weather_api = create_weather_api()
    except (MissingSettingError, WeatherAPIError) as error:
        # A setup problem, not a bug: one line for the user instead of a traceback.
        ui.error(sender="Workflow", recipient="User", short=str(error))
        return f"Not started: {error}"

    question = params.get("question") or ui.text_input(
        sender="Workflow",
        recipient="User",
        prompt="What would you like to know about the weather?",
    )

    user_agent = UserProxyAgent(
        name="User_Agent",
        human_input_mode="NEVER",
        code_execution_config=False,
        # The chat is over once the weather agent answers without asking for a tool.
        is_termination_msg=lambda message: not message.get("tool_calls"),
    )
    weather_agent = ConversableAgent(
        name="Weather_Agent",
        system_message=WEATHER_AGENT_PROMPT,
        llm_config=config,
        human_input_mode="NEVER",
    )
    wf.register_api(
        api=weather_api,
        callers=weather_agent,
        executors=user_agent,
        functions=WEATHER_FUNCTIONS,
    )

    response = user_agent.run(
        weather_agent,
        message=question,
        summary_method="last_msg",
        max_turns=MAX_TURNS,
    )
    return forward_events(ui, response)
