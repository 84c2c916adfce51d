"""The generated README's "Add a workflow" recipe, followed as written, then run over the service.

The recipe's code goes at the end of `workflows.py` and the README's kit example becomes
`tests/test_haiku.py`, both taken from the rendered README, so the text cannot drift from what
works. The project must stay lint, format and type clean; the example test must pass; and the new
workflow must run over the real service: uvicorn on loopback with the project's fake LLM, a user
signed in, the workflow started and followed over the websocket.
"""

import json
from pathlib import Path

import httpx
from websockets.sync.client import connect

from .conftest import Render
from .helpers import DEFAULT_SLUG, run, tool
from .service_helpers import FAKES, PASSWORD, SERVICE_APP, free_port, service_env, serving

TOPIC = "the sea"


def readme_python_block(project: Path, heading: str) -> str:
    """The first Python code block after `heading` in the project's README."""
    section = (project / "README.md").read_text().split(f"\n{heading}\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def follow_recipe(project: Path) -> None:
    workflows = project / DEFAULT_SLUG / "workflows.py"
    recipe = readme_python_block(project, "## Add a workflow")
    workflows.write_text(f"{workflows.read_text()}\n\n{recipe}")
    example_test = readme_python_block(project, "### Test your agents")
    (project / "tests" / "test_haiku.py").write_text(example_test)


def uvicorn(python: Path, *arguments: str, port: int) -> list[str]:
    return [str(python), "-m", "uvicorn", *arguments, "--host", "127.0.0.1", "--port", str(port)]


def run_haiku_over_the_service(project: Path, python: Path, env: dict[str, str]) -> list[dict]:
    """Sign in, check that the workflow is listed, start it, and follow it to its end."""
    console = [str(python), "-m", f"{DEFAULT_SLUG}.cli"]
    upgraded = run([*console, "db", "upgrade"], project, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    created = run([*console, "users", "create", "alice"], project, env=env, input=f"{PASSWORD}\n")
    assert created.returncode == 0, created.stderr
    llm, api = free_port(), free_port()
    env = {**env, "OPENAI_API_KEY": "test-llm-key", "OPENAI_BASE_URL": f"http://127.0.0.1:{llm}/v1"}
    base = f"http://127.0.0.1:{api}"
    with (
        serving(
            uvicorn(python, "--factory", f"{FAKES}.llm:create_fake_llm", port=llm),
            project,
            env,
            f"http://127.0.0.1:{llm}/openapi.json",
        ),
        serving(uvicorn(python, *SERVICE_APP, port=api), project, env, f"{base}/health"),
    ):
        signed_in = httpx.post(f"{base}/token", data={"username": "alice", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        assert httpx.get(f"{base}/", headers=auth).json() == ["weather", "haiku"]
        reservation = httpx.post(
            f"{base}/fastagency/initiate_workflow",
            json={"workflow_name": "haiku", "params": {"topic": TOPIC}},
            headers=auth,
        )
        assert reservation.status_code == 200, reservation.text

        messages: list[dict] = []
        with connect(f"ws://127.0.0.1:{api}/fastagency/ws", additional_headers=auth) as websocket:
            websocket.send(reservation.text)
            while not messages or messages[-1]["type"] != "workflow_completed":
                messages.append(json.loads(websocket.recv(timeout=60)))
    return messages


def test_a_workflow_added_by_the_readme_recipe_runs_over_the_service(
    render: Render, project_python: Path, mypy_cache: Path
) -> None:
    project = render()
    follow_recipe(project)

    for check in (["check", "."], ["format", "--check", "."]):
        linted = run([tool("ruff"), *check], project)
        assert linted.returncode == 0, linted.stdout + linted.stderr
    typed = run(
        [str(project_python), "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache), "."],
        project,
    )
    assert typed.returncode == 0, typed.stdout
    # The project is not installed in the shared venv: it is imported from its folder.
    env = {**service_env(), "PYTHONPATH": str(project)}
    pytest = [str(project_python), "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider"]
    example = run([*pytest, "tests/test_haiku.py"], project, env=env)
    assert example.returncode == 0, example.stdout[-3000:]

    messages = run_haiku_over_the_service(project, project_python, env)

    result = messages[-1]["content"]["result"]
    # The fake LLM echoes an agent without tools: the topic went from the client to the model.
    assert result == f"You said: Write a haiku about {TOPIC}."
    assert "error" not in [message["type"] for message in messages]
