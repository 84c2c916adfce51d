"""`{{ cookiecutter.project_slug }} demo`: the service with no keys, its answers marked as a demo, nothing of the
project's configuration used and nothing left behind."""

import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from {{ cookiecutter.project_slug }}.demo.llm import DEMO_MARK
from {{ cookiecutter.project_slug }}.demo.run import DEMO_TITLE
from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from {{ cookiecutter.project_slug }}.service.example_client import sign_in

from ..utils.demo import DEMO_COMMAND, running_demo
from ..utils.processes import with_project_importable
from ..utils.websocket_client import initiate, run_over_websocket

pytestmark = pytest.mark.slow

# What a project's .env and shell hold, none of which the demo may use: a port nobody listens
# on (9, discard) instead of the LLM and weather API, a database of their own, keys.
NOT_THE_DEMOS = {
    "OPENAI_API_KEY": "sk-a-real-key-0123456789",  # pragma: allowlist secret
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "WEATHER_OPENAPI_URL": "http://127.0.0.1:9/openapi.json",
    "WEATHER_API_KEY": "a-real-weather-key",  # pragma: allowlist secret
    "JWT_SECRET_KEY": "short",  # the service refuses it  # pragma: allowlist secret
}


def configured_project(folder: Path) -> dict[str, str]:
    """A project folder whose .env names another database and servers; the same settings
    for the shell's environment, the database another file."""
    dotenv = {**NOT_THE_DEMOS, "DATABASE_URL": f"sqlite:///{folder / 'from-dotenv.db'}"}
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in dotenv.items()))
    return {**NOT_THE_DEMOS, "DATABASE_URL": f"sqlite:///{folder / 'from-shell.db'}"}


@pytest.fixture
def temporary_folder(tmp_path: Path) -> Path:
    """Where the demo makes its temporary folder (TMPDIR), to see what it leaves."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def test_the_demo_answers_a_question_marked_as_a_demo_then_ctrl_c_removes_everything(
    tmp_path: Path, temporary_folder: Path
) -> None:
    shell = configured_project(tmp_path)
    with running_demo(tmp_path, {**shell, "TMPDIR": str(temporary_folder)}) as demo:
        assert demo.chat_url.startswith("http://127.0.0.1:") and demo.url != "http://127.0.0.1:0"
        assert "no LLM involved" in "".join(demo.printed)
        assert "".join(demo.printed).count(demo.password) == 1
        # Its database's folder, while it runs.
        assert [path.name[:5] for path in temporary_folder.iterdir()] == ["demo-"]
        assert DEMO_TITLE in httpx.get(f"{demo.url}/docs").text
        assert httpx.get(f"{demo.url}/openapi.json").json()["info"]["title"].endswith(DEMO_TITLE)
        session = sign_in(demo.url, demo.username, demo.password)
        token = str(session.token["access_token"])
        session.close()
        question = {"question": "What is the weather in Paris?"}

        messages = run_over_websocket(
            demo.url, token, initiate(demo.url, token, "weather", question)
        )

        answer = messages[-1]["content"]["result"]
        assert answer.startswith(f"{DEMO_MARK}Here is what the weather API returned")
        assert FORECAST_DATE in answer
        code, printed_at_exit = demo.stop(signal.SIGINT)

    assert code == 0, printed_at_exit
    # Nothing but this (no warnings, no tracebacks from the shutdown).
    assert printed_at_exit == "demo stopped: its database and files are deleted\n"
    assert list(temporary_folder.iterdir()) == []
    # Neither the .env's database nor the shell's was made (and the answer came from the
    # stand-ins: port 9 answers nothing).
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env", "tmp"]


def test_sigterm_stops_the_demo_and_removes_everything(
    tmp_path: Path, temporary_folder: Path
) -> None:
    with running_demo(tmp_path, {"TMPDIR": str(temporary_folder)}) as demo:
        code, printed_at_exit = demo.stop(signal.SIGTERM)

    assert code == 0, printed_at_exit
    assert list(temporary_folder.iterdir()) == []


def test_a_port_in_use_is_refused_naming_the_way_out(
    tmp_path: Path, temporary_folder: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [*DEMO_COMMAND, "--port", str(port)],
            env=with_project_importable({**os.environ, "TMPDIR": str(temporary_folder)}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port} (")
    assert "choose another port with --port, or --port 0 for any free one" in refused.stderr
    assert refused.stdout == "" and list(temporary_folder.iterdir()) == []
