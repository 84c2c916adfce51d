"""What the tests that serve a generated project share: loopback servers, the project's fakes
for the LLM provider and the weather API, and a client that runs the weather workflow."""

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from .helpers import DEFAULT_SLUG, TEMPLATE_DIR, TOOLS_BIN, run, tool

PASSWORD = "a long enough passphrase"  # a test account's
FORECAST_DATE = "2031-04-05"  # what the project's fake weather API answers
WEATHER_KEY = "test-weather-key"  # what it accepts as an API key in a header (its default)
FAKES = f"{DEFAULT_SLUG}.demo"  # the project's fakes (its demo's too), as a module path


def generate_installed_project(folder: Path) -> Path:
    """A default project generated into `folder` with its .venv (uv.lock and the dev extra
    installed, tests not run), as the generate command makes it."""
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}
    env["TEMPLATE_SETUP_STRICT"] = "1"
    command = [tool("cookiecutter"), "--no-input", "-o", str(folder), str(TEMPLATE_DIR)]
    generated = run([*command, "post_generation_setup=install_only"], folder, env=env)
    assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
    return folder / DEFAULT_SLUG


def service_env() -> dict[str, str]:
    """The shell's environment without the project's settings: the project's .env applies."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "WEATHER_", "JWT_", "DATABASE_", "ENVIRONMENT"))
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(command: list[str], cwd: Path, env: dict[str, str], ready_url: str) -> Iterator[None]:
    log = cwd / f"server-{len(list(cwd.glob('server-*.log')))}.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(ready_url, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"{command} did not start:\n{log.read_text()[-4000:]}")
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


def uvicorn(project: Path, *arguments: str, port: int) -> list[str]:
    """The project's uvicorn serving `arguments` (an app and its options) on loopback."""
    command = [str(project / ".venv" / "bin" / "uvicorn"), *arguments]
    return [*command, "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def weather_fakes(project: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The project's fake LLM and fake weather API on loopback, served from its venv; yields the
    settings that point the service at them."""
    llm, weather = free_port(), free_port()
    with (
        serving(
            uvicorn(project, "--factory", f"{FAKES}.llm:create_fake_llm", port=llm),
            project,
            env,
            f"http://127.0.0.1:{llm}/openapi.json",
        ),
        serving(
            uvicorn(
                project,
                "--factory",
                f"{FAKES}.weather_api:create_fake_weather_api",
                port=weather,
            ),
            project,
            env,
            f"http://127.0.0.1:{weather}/openapi.json",
        ),
    ):
        yield {
            "OPENAI_API_KEY": "test-llm-key",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{llm}/v1",
            "WEATHER_OPENAPI_URL": f"http://127.0.0.1:{weather}/openapi.json",
            "WEATHER_API_AUTH": "api_key_header",
            "WEATHER_API_KEY": WEATHER_KEY,
        }


def run_weather_workflow(base: str, username: str) -> str:
    """Sign in at the service at `base` as the README's protocol says, start the weather
    workflow, follow it over the websocket; its result."""
    signed_in = httpx.post(f"{base}/token", data={"username": username, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert httpx.get(f"{base}/", headers=auth).json() == ["weather"]
    reservation = httpx.post(
        f"{base}/fastagency/initiate_workflow",
        json={"workflow_name": "weather", "params": {"question": "What is the weather in Oslo?"}},
        headers=auth,
    ).json()

    messages = []
    websocket_url = base.replace("http://", "ws://") + "/fastagency/ws"
    with connect(websocket_url, additional_headers=auth) as websocket:
        websocket.send(json.dumps(reservation))
        while not messages or messages[-1]["type"] != "workflow_completed":
            messages.append(json.loads(websocket.recv(timeout=60)))
    return str(messages[-1]["content"]["result"])


# How the README serves the service.
SERVICE_APP = ("--factory", f"{DEFAULT_SLUG}.service.app:create_app")
