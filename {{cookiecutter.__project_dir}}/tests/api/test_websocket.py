"""Workflows over HTTP + websocket against a real server on loopback, with real tokens."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from {{ cookiecutter.project_slug }}.api.app import create_app
from {{ cookiecutter.project_slug }}.api.client import sign_in
from {{ cookiecutter.project_slug }}.settings import Settings

from ..conftest import run_python
from ..fake_weather_api import FORECAST_DATE
from ..loopback import serve
from .conftest import PASSWORD, AddWorkflow, MakeUser, bearer

LEAKY_DETAIL = "db-password-from-a-stack-trace"  # pragma: allowlist secret
PRIVATE_PARAM = "a-private-parameter-value"


def explode(ui: Any, params: dict[str, Any]) -> str:
    raise RuntimeError(f"could not connect with {LEAKY_DETAIL}")


def whoami(ui: Any, params: dict[str, Any]) -> str:
    return str(params["user"])


@pytest.fixture
def service(settings: Settings, make_user: MakeUser, add_workflow: AddWorkflow) -> Iterator[str]:
    """The service on a loopback port, with two extra workflows for these tests."""
    add_workflow("explode", explode, ("user",))
    add_workflow("whoami", whoami, ("user",))
    make_user("alice")
    make_user("bob")
    with serve(create_app(settings)) as url:
        yield url


def token_for(url: str, username: str) -> str:
    return sign_in(url, username, PASSWORD)  # the shipped client's sign-in


def initiate(url: str, token: str, name: str, params: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{url}/fastagency/initiate_workflow",
        json={"workflow_name": name, "params": params or {}},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    return response.json()


def run_over_websocket(url: str, token: str, start: Any) -> list[dict[str, Any]]:
    """Open the websocket, send the start message, collect messages until the run completes."""
    messages: list[dict[str, Any]] = []
    ws_url = url.replace("http://", "ws://") + "/fastagency/ws"
    with connect(ws_url, additional_headers=bearer(token), open_timeout=10) as websocket:
        websocket.send(json.dumps(start))
        try:
            while True:
                message = json.loads(websocket.recv(timeout=60))
                messages.append(message)
                if message["type"] == "workflow_completed":
                    break
        except ConnectionClosed:
            pass
    return messages


@pytest.mark.usefixtures("configured")
def test_weather_workflow_runs_to_completion_over_the_websocket(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "weather", {"question": "What is the weather in Paris?"})

    messages = run_over_websocket(service, token, start)

    types = [message["type"] for message in messages]
    assert types[0] == "workflow_started" and types[-1] == "workflow_completed"
    assert "function_call_execution" in types  # AG2's events reach the web client
    assert FORECAST_DATE in messages[-1]["content"]["result"]


def test_authenticated_user_reaches_the_workflow(service: str) -> None:
    token = token_for(service, "alice")

    messages = run_over_websocket(service, token, initiate(service, token, "whoami"))

    assert messages[-1]["content"]["result"] == "alice"


@pytest.mark.parametrize("credential", ["none", "garbage", "revoked"])
def test_handshake_without_a_valid_token_is_denied(service: str, credential: str) -> None:
    token = token_for(service, "alice")
    if credential == "revoked":
        httpx.post(f"{service}/logout", headers=bearer(token)).raise_for_status()
    headers = {"none": {}, "garbage": bearer("garbage"), "revoked": bearer(token)}[credential]
    ws_url = service.replace("http://", "ws://") + "/fastagency/ws"

    with pytest.raises(InvalidStatus) as denial:
        connect(ws_url, additional_headers=headers, open_timeout=10)

    assert denial.value.response.status_code == 401


def test_another_users_workflow_id_is_refused_and_stays_usable(service: str) -> None:
    bob = token_for(service, "bob")
    bobs_start = initiate(service, bob, "whoami")
    alice = token_for(service, "alice")

    stolen = run_over_websocket(service, alice, {**bobs_start, "user_id": "alice"})

    assert stolen == []
    assert run_over_websocket(service, bob, bobs_start)[-1]["content"]["result"] == "bob"


def test_a_workflow_id_works_only_once(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")
    assert run_over_websocket(service, token, start)[-1]["content"]["result"] == "alice"

    assert run_over_websocket(service, token, start) == []


def test_client_chosen_workflow_id_is_refused(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")

    forged = {**start, "workflow_uuid": "0123456789abcdef0123456789abcdef"}

    assert run_over_websocket(service, token, forged) == []


def test_workflow_error_reaches_the_client_as_an_incident_id_only(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = token_for(service, "alice")
    start = initiate(service, token, "explode", {"note": PRIVATE_PARAM})

    messages = run_over_websocket(service, token, start)

    sent_to_client = json.dumps(messages[1:])  # after workflow_started, which echoes the params
    assert LEAKY_DETAIL not in sent_to_client
    [error] = [message for message in messages if message["type"] == "error"]
    incident = error["content"]["short"].removeprefix("The workflow failed (incident ").rstrip(").")
    assert messages[-1]["content"]["result"] == f"The workflow failed (incident {incident})."
    assert f"incident {incident}" in caplog.text and LEAKY_DETAIL in caplog.text
    assert PRIVATE_PARAM not in caplog.text


@pytest.mark.usefixtures("configured")
def test_shipped_client_runs_the_weather_workflow(service: str) -> None:
    run = run_python(
        "-m",
        "{{ cookiecutter.project_slug }}.api.client",
        "--url",
        service,
        "--user",
        "alice",
        "--question",
        "What is the weather in Paris?",
        "weather",
        stdin=f"{PASSWORD}\n",
    )

    assert run.returncode == 0, run.stderr
    assert "[workflow_completed]" in run.stdout and FORECAST_DATE in run.stdout


def test_reservation_not_claimed_in_time_is_refused(
    settings: Settings, make_user: MakeUser, add_workflow: AddWorkflow
) -> None:
    add_workflow("whoami", whoami, ("user",))
    make_user("alice")
    expired_at_once = settings.model_copy(update={"workflow_start_timeout_seconds": 0})
    with serve(create_app(expired_at_once)) as url:
        token = token_for(url, "alice")
        assert run_over_websocket(url, token, initiate(url, token, "whoami")) == []
