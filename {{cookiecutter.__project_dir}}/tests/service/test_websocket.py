"""Workflows over HTTP + websocket against a real server on loopback, with real tokens."""

import json
import logging
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from {{ cookiecutter.project_slug }}.service.accounts import get_user
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.auth.sessions import delete_user
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, MakeUser, bearer
from ..utils.loopback import serve
from ..utils.processes import run_python
from ..utils.websocket_client import (
    ask,
    close_of,
    initiate,
    receive_until,
    request_start,
    run_over_websocket,
    token_for,
    workflow_socket,
)
from ..utils.workflows import AddWorkflow

LEAKY_DETAIL = "db-password-from-a-stack-trace"  # pragma: allowlist secret
PRIVATE_PARAM = "a-private-parameter-value"
PRIVATE_ANSWER = "an-answer-meant-for-one-user"


def explode(ui: Any, params: dict[str, Any]) -> str:
    raise RuntimeError(f"could not connect with {LEAKY_DETAIL}")


def whoami(ui: Any, params: dict[str, Any]) -> str:
    return str(params["user"])


@pytest.fixture
def service(settings: Settings, make_user: MakeUser, add_workflow: AddWorkflow) -> Iterator[str]:
    """The service on a loopback port, with three extra workflows for these tests."""
    add_workflow("explode", explode, ("user",))
    add_workflow("whoami", whoami, ("user",))
    add_workflow("ask", ask, ("user",))
    make_user("alice")
    make_user("bob")
    with serve(create_app(settings)) as url:
        yield url


@pytest.mark.smoke
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


def test_a_recreated_account_cannot_start_the_deleted_accounts_workflow(
    service: str, db: Session, make_user: MakeUser
) -> None:
    old_start = initiate(service, token_for(service, "alice"), "whoami")
    delete_user(db, get_user(db, "alice"))
    make_user("alice")

    assert run_over_websocket(service, token_for(service, "alice"), old_start) == []


def test_client_chosen_workflow_id_is_refused(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")

    forged = {
        **start,
        "workflow_uuid": "0123456789abcdef0123456789abcdef",  # pragma: allowlist secret
    }

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


def run_shipped_client(
    service: str, *arguments: str, stdin: str
) -> subprocess.CompletedProcess[str]:
    """`python -m {{ cookiecutter.project_slug }}.service.example_client` as a user runs it, signing in as alice."""
    # One argument a line (the trailing comma keeps it so), whatever the slug's length.
    return run_python(
        "-m",
        "{{ cookiecutter.project_slug }}.service.example_client",
        "--url",
        service,
        "--user",
        "alice",
        *arguments,
        stdin=stdin,
    )


@pytest.mark.usefixtures("configured")
def test_shipped_client_runs_the_weather_workflow(service: str) -> None:
    run = run_shipped_client(
        service,
        "--question",
        "What is the weather in Paris?",
        "weather",
        stdin=f"{PASSWORD}\n",
    )

    assert run.returncode == 0, run.stderr
    assert "[workflow_completed]" in run.stdout and FORECAST_DATE in run.stdout


def test_shipped_client_reports_the_services_close_reason_without_a_traceback(
    service: str, settings: Settings
) -> None:
    too_long = "x" * (settings.websocket_max_message_bytes + 1)
    # The password, then an answer over the limit.
    run = run_shipped_client(service, "ask", stdin=f"{PASSWORD}\n{too_long}\n")

    assert run.returncode == 1
    assert "The service closed the workflow: messages are limited to" in run.stderr
    assert "(code 1009)" in run.stderr and "Traceback" not in run.stderr


def test_shipped_client_says_a_wrong_password_was_refused_without_a_traceback(
    service: str,
) -> None:
    run = run_shipped_client(service, "whoami", stdin="not alice's password\n")

    assert run.returncode == 1
    assert run.stderr == "Sign-in refused: Incorrect username or password\n"


def test_completed_workflow_closes_the_websocket_normally(service: str) -> None:
    token = token_for(service, "alice")
    with workflow_socket(service, token) as websocket:
        websocket.send(json.dumps(initiate(service, token, "whoami")))
        receive_until(websocket, "workflow_completed")

        assert close_of(websocket) == (1000, "workflow completed")


def test_binary_start_message_is_refused_with_an_incident_id(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")
    with workflow_socket(service, token) as websocket:
        websocket.send(json.dumps(start).encode())

        code, reason = close_of(websocket)

    assert code == 1003
    incident = reason.rpartition("(incident ")[2].rstrip(")")
    assert reason.startswith("send text messages only") and f"incident {incident}" in caplog.text


@pytest.mark.parametrize("reserved", ["name", "ui", "user_id"])
def test_parameters_named_like_the_servers_own_are_refused(service: str, reserved: str) -> None:
    token = token_for(service, "alice")

    response = request_start(service, token, "whoami", {reserved: "x"})

    assert response.status_code == 422
    assert reserved in response.text


def test_parameters_that_are_not_json_are_refused(service: str) -> None:
    token = token_for(service, "alice")

    response = httpx.post(
        f"{service}/fastagency/initiate_workflow",
        content='{"workflow_name": "whoami", "params": {"x": NaN}}',  # what Python's json allows
        headers={**bearer(token), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert "no NaN or Infinity" in response.text


def test_an_answer_over_the_size_limit_ends_the_workflow(service: str, settings: Settings) -> None:
    token = token_for(service, "alice")
    with workflow_socket(service, token) as websocket:
        websocket.send(json.dumps(initiate(service, token, "ask")))
        receive_until(websocket, "text_input")

        websocket.send("x" * (settings.websocket_max_message_bytes + 1))

        code, reason = close_of(websocket)
    assert code == 1009 and reason.startswith("messages are limited to")


def test_workflow_results_stay_out_of_the_server_log(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = token_for(service, "alice")
    with workflow_socket(service, token) as websocket:
        websocket.send(json.dumps(initiate(service, token, "ask")))
        receive_until(websocket, "text_input")
        websocket.send(PRIVATE_ANSWER)

        completed = receive_until(websocket, "workflow_completed")[-1]

    assert completed["content"]["result"] == PRIVATE_ANSWER
    assert PRIVATE_ANSWER not in caplog.text
