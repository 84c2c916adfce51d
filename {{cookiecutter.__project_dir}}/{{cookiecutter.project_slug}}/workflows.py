"""The AG2 workflows this project serves: one function each, declared with `@workflow`."""

from typing import Any

from autogen import ConversableAgent, LLMConfig, UserProxyAgent
from autogen.io.run_response import RunResponseProtocol
from fastagency import UI

from .registry import WORKFLOW_ROLES, wf, workflow
from .settings import Settings, required
from .weather import WEATHER_FUNCTIONS, create_weather_api

# What the console (main.py) and the service import from here.
__all__ = ["WORKFLOW_ROLES", "wf"]

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


@workflow(name="weather", description="Ask about the weather in a city", roles=("admin", "user"))
def weather(ui: UI, params: dict[str, Any]) -> RunResponseProtocol:
    settings = Settings()
    config = llm_config(settings)
    weather_api = create_weather_api()

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

    return user_agent.run(
        weather_agent,
        message=question,
        summary_method="last_msg",
        max_turns=MAX_TURNS,
    )
