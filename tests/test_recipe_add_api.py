"""The generated README's "Add an API" recipe, followed as written: the code blocks are taken
from the rendered README, so the recipe and this test cannot drift apart.

A second API (a local stand-in on 127.0.0.1, wanting a bearer token) is added by the recipe, and
one run of the weather workflow, with a fake LLM scripted to call a tool of each API, must reach
both APIs with their own credentials; the project's static checks must pass with the additions.
"""

import json
import re
from pathlib import Path

from .conftest import Render
from .helpers import DEFAULT_SLUG, run

# The stand-in API and the scripted LLM; the test itself runs inside the generated project, with
# its fixtures (the fake weather API, the environment) and its helpers.
PROJECT_TEST = '''"""The README's "Add an API" recipe, followed: one run calls both APIs."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from SLUG.demo.weather_api import FORECAST_DATE, KEY_HEADER, VALID_KEY
from SLUG.workflows import wf

from .fakes.recording_ui import RecordingUI
from .utils.loopback import LocalServer, serve

FORECAST_TOKEN = "test-forecast-token"  # pragma: allowlist secret
OUTLOOK = "sunny spells"
# The README's lines for .env; the test fills in where the stand-in API is, and its token.
ENV_LINES = ENV_LINES_LIST
# Each turn of the scripted LLM: a call of one tool per API, then the answer.
SCRIPT = [
    ("get_daily_weather_daily_get", {"city": "Paris"}),
    ("get_forecast", {"city": "Paris"}),
    (None, "Paris: both APIs answered."),
]


def create_forecast_api() -> FastAPI:
    app = FastAPI(title="Forecast API")
    app.state.received = []

    def check_token(
        credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))
        ],
    ) -> None:
        if credentials is None or credentials.credentials != FORECAST_TOKEN:
            raise HTTPException(status_code=401, detail="Invalid forecast API token")

    @app.get("/forecast", operation_id="get_forecast", dependencies=[Depends(check_token)])
    def get_forecast(city: str, request: Request) -> dict[str, str]:
        """The outlook for a city."""
        app.state.received.append(dict(request.headers) | {"city": city})
        return {"city": city, "outlook": OUTLOOK}

    return app


def create_scripted_llm() -> FastAPI:
    app = FastAPI()
    app.state.requests = []

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> dict[str, Any]:
        body = await request.json()
        app.state.requests.append(body)
        turn = sum(message["role"] == "assistant" for message in body["messages"])
        tool, content = SCRIPT[turn]
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool:
            call = {"name": tool, "arguments": json.dumps(content)}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": f"call_{turn}", "type": "function", "function": call}],
            }
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}
        return {
            "id": f"chatcmpl-{turn}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "scripted",
            "choices": [choice],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


@pytest.mark.usefixtures("configured")
def test_one_run_calls_the_weather_api_and_the_added_api_each_with_its_credential(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer
) -> None:
    forecast_api, llm = create_forecast_api(), create_scripted_llm()
    with serve(forecast_api) as forecast_url, serve(llm) as llm_url:
        filled = {
            "FORECAST_OPENAPI_URL": f"{forecast_url}/openapi.json",
            "FORECAST_API_TOKEN": FORECAST_TOKEN,
        }
        settings = [line.split("=", 1) for line in ENV_LINES]
        # The working directory is the test's own (conftest.py): this .env is read, none other.
        Path(".env").write_text("".join(f"{k}={filled.get(k, v)}\\n" for k, v in settings))
        monkeypatch.setenv("OPENAI_BASE_URL", f"{llm_url}/v1")

        result = wf.run("weather", RecordingUI().create_workflow_ui("recipe"), question="Paris?")

    assert result == "Paris: both APIs answered."
    offered = {tool["function"]["name"] for tool in llm.state.requests[0]["tools"]}
    assert {"get_daily_weather_daily_get", "get_forecast"} <= offered
    [weather_call] = weather_api.state.received
    assert weather_call["headers"][KEY_HEADER.lower()] == VALID_KEY
    [forecast_call] = forecast_api.state.received
    assert forecast_call["authorization"] == f"Bearer {FORECAST_TOKEN}"
    assert forecast_call["city"] == "Paris"
    tool_results = [m["content"] for m in llm.state.requests[-1]["messages"] if m["role"] == "tool"]
    assert any(FORECAST_DATE in text for text in tool_results)
    assert any(OUTLOOK in text for text in tool_results)
'''


def recipe(readme: str) -> str:
    """The "Add an API" section of the README."""
    match = re.search(r"^## Add an API\n(.*?)^## ", readme, flags=re.DOTALL | re.MULTILINE)
    assert match, "the README has no 'Add an API' section"
    return match.group(1)


def code_blocks(section: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced block, in order."""
    return re.findall(r"^```(\w+)\n(.*?)^```", section, flags=re.DOTALL | re.MULTILINE)


def insert_after(text: str, anchor: str, addition: str) -> str:
    """`text` with `addition` after the line holding `anchor` (which must appear once)."""
    assert text.count(anchor) == 1, f"{anchor!r} is not once in the file"
    start = text.index(anchor)
    end = text.index("\n", start) + 1
    return text[:end] + addition + text[end:]


def end_of_call(text: str, call: str) -> str:
    """The line ending the call that `call` starts: its closing parenthesis, as ruff formats it."""
    start = text.index(call)
    indent = text[text.rindex("\n", 0, start) + 1 : start]
    closing = text.index(f"\n{indent})\n", start)
    return text[start : closing + len(indent) + 3]


def follow_recipe(project: Path) -> None:
    """Apply each step of the README's recipe to the project, as a reader would."""
    section = recipe((project / "README.md").read_text())
    module, env_lines, import_line, create_line, register_call = code_blocks(section)
    module_path = re.search(r"^Create `([^`]+\.py)`:", section, flags=re.MULTILINE)
    assert module_path and module[0] == "python"
    (project / module_path.group(1)).write_text(module[1])
    assert env_lines[0] == "dotenv"
    (project / ".env").write_text((project / ".env").read_text() + env_lines[1])

    workflows_path = project / DEFAULT_SLUG / "workflows.py"
    workflows = workflows_path.read_text()
    # With the package's other imports, in the order ruff keeps them.
    package_imports = re.findall(r"^from \.\w+ import .*$", workflows, flags=re.MULTILINE)
    earlier = [line for line in package_imports if line < import_line[1]]
    if earlier:
        workflows = insert_after(workflows, earlier[-1], import_line[1])
    else:
        workflows = workflows.replace(package_imports[0], import_line[1] + package_imports[0], 1)
    workflows = insert_after(workflows, "weather_api = create_weather_api()", create_line[1])
    weather_registration = end_of_call(workflows, "wf.register_api(\n        api=weather_api")
    workflows = workflows.replace(weather_registration, weather_registration + register_call[1])
    workflows_path.write_text(workflows)

    listed = "".join(f"    {json.dumps(line)},\n" for line in env_lines[1].splitlines())
    test = PROJECT_TEST.replace("SLUG", DEFAULT_SLUG).replace("ENV_LINES_LIST", f"[\n{listed}]")
    (project / "tests" / "test_added_api.py").write_text(test)


def test_readme_recipe_adds_an_api_that_the_agent_calls_with_its_own_credential(
    render: Render, project_python: Path
) -> None:
    project = render()

    follow_recipe(project)

    # The new test, then the static checks over the project with the recipe's additions in it.
    command = [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
    tests = ["tests/test_added_api.py", "tests/test_quality.py"]
    result = run([*command, *tests], project)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "skipped" not in result.stdout
