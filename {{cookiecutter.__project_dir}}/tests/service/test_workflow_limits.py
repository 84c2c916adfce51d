"""One user cannot freeze the service: workflows have threads of their own, limits, and every
wait ends. Against a real server on loopback, which many concurrent websockets need."""

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import jwt
import pytest
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from {{ cookiecutter.project_slug }}.service.accounts import disable_user, get_user
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import SIGNING_KEY, MakeUser, bearer
from ..utils.loopback import serve
from ..utils.websocket_client import (
    WAIT_SECONDS,
    ask,
    close_of,
    initiate,
    receive,
    receive_until,
    request_start,
    run_over_websocket,
    token_for,
    workflow_socket,
)
from ..utils.workflows import AddWorkflow

# More than the 40 threads that serve requests: parked there, they would stall every request.
PARKED_ATTEMPTS = 45
# Short for the test, yet far longer than parking takes (so none ends before the limit is hit).
INPUT_TIMEOUT_SECONDS = 10
# Long enough for a reservation to reach its websocket on a loaded machine.
START_TIMEOUT_SECONDS = 5
# Enough for the handshake, which needs the token still valid.
TOKEN_SECONDS_LEFT = 5
SESSION_CHECK_SECONDS = 0.2


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "workflow_input_timeout_seconds": INPUT_TIMEOUT_SECONDS,
            "workflow_start_timeout_seconds": START_TIMEOUT_SECONDS,
            "workflow_session_check_seconds": SESSION_CHECK_SECONDS,
            # Requests may trust a session read a minute ago; running workflows' checks may not.
            "auth_cache_seconds": 60,
            "workflow_max_running": 4,
        }
    )


@pytest.fixture
def service(limited: Settings, make_user: MakeUser, add_workflow: AddWorkflow) -> Iterator[str]:
    add_workflow("ask", ask, ("user",))
    make_user("alice")
    make_user("bob")
    with serve(create_app(limited)) as url:
        yield url


@pytest.mark.usefixtures("configured")
def test_one_user_parking_workflows_cannot_freeze_the_service(
    service: str, limited: Settings
) -> None:
    alice = token_for(service, "alice")
    with ExitStack() as parked_sockets:
        parked = []
        for _ in range(PARKED_ATTEMPTS):
            response = request_start(service, alice, "ask")
            if response.status_code != 200:
                break
            websocket = parked_sockets.enter_context(workflow_socket(service, alice))
            websocket.send(response.text)
            receive_until(websocket, "text_input")  # parked: waiting for an answer
            parked.append(websocket)

        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert len(parked) == limited.workflow_max_running_per_user
        assert httpx.get(f"{service}/health", timeout=WAIT_SECONDS).status_code == 200
        bob = token_for(service, "bob")  # POST /token
        question = {"question": "What is the weather in Paris?"}
        bobs_run = run_over_websocket(service, bob, initiate(service, bob, "weather", question))
        assert FORECAST_DATE in bobs_run[-1]["content"]["result"]

        for websocket in parked:
            error = receive(websocket)
            assert error["type"] == "error"
            assert error["content"]["short"].startswith(
                f"no answer within {INPUT_TIMEOUT_SECONDS} s"
            )
            assert close_of(websocket)[0] == 1008

    # The ended runs gave their threads back.
    assert request_start(service, alice, "ask").status_code == 200


def test_unstarted_reservations_are_limited_per_user(
    limited: Settings, make_user: MakeUser, add_workflow: AddWorkflow
) -> None:
    add_workflow("ask", ask, ("user",))
    make_user("alice")
    make_user("bob")
    # Reservations that outlive a slow machine's requests: none may expire before the refusal.
    lasting = limited.model_copy(update={"workflow_start_timeout_seconds": 60})
    with serve(create_app(lasting)) as url:
        alice = token_for(url, "alice")
        for _ in range(lasting.workflow_max_reservations_per_user):
            initiate(url, alice, "ask")

        refused = request_start(url, alice, "ask")

        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        bob = token_for(url, "bob")
        assert request_start(url, bob, "ask").status_code == 200  # others are not affected


def test_a_start_over_the_users_running_limit_is_refused(
    limited: Settings, make_user: MakeUser, add_workflow: AddWorkflow
) -> None:
    add_workflow("ask", ask, ("user",))
    make_user("alice")
    one_at_a_time = limited.model_copy(update={"workflow_max_running_per_user": 1})
    with serve(create_app(one_at_a_time)) as url:
        alice = token_for(url, "alice")
        first, second = initiate(url, alice, "ask"), initiate(url, alice, "ask")
        with workflow_socket(url, alice) as running:
            running.send(json.dumps(first))
            receive_until(running, "text_input")

            with workflow_socket(url, alice) as refused:
                refused.send(json.dumps(second))
                code, reason = close_of(refused)

        assert code == 1013 and reason.startswith("you already run 1 workflows")


def test_websocket_without_a_start_message_is_closed(service: str) -> None:
    alice = token_for(service, "alice")
    with workflow_socket(service, alice) as websocket:
        code, reason = close_of(websocket)

    assert code == 1008
    assert reason.startswith(f"no start message within {START_TIMEOUT_SECONDS} s")


def expiring_soon(token: str) -> str:
    """The same access token (same user and session), re-signed to expire in a few seconds."""
    claims = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], options={"verify_aud": False})
    claims["exp"] = int(time.time()) + TOKEN_SECONDS_LEFT
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")


@pytest.mark.parametrize("session_end", ["signed out", "disabled", "expired"])
def test_ending_the_session_ends_its_running_workflows(
    service: str, db: Session, session_end: str
) -> None:
    alice = token_for(service, "alice")
    socket_token = expiring_soon(alice) if session_end == "expired" else alice
    with workflow_socket(service, socket_token) as websocket:
        websocket.send(json.dumps(initiate(service, alice, "ask")))
        receive_until(websocket, "text_input")

        if session_end == "signed out":
            httpx.post(f"{service}/logout", headers=bearer(alice)).raise_for_status()
        elif session_end == "disabled":
            disable_user(db, get_user(db, "alice"))
        # "expired": the token runs out while the workflow waits.

        error = receive(websocket)
        code, reason = close_of(websocket)
    assert error["type"] == "error" and error["content"]["short"].startswith(
        "your session has ended"
    )
    assert code == 1008 and reason.startswith("your session has ended")


@pytest.mark.usefixtures("configured")
def test_an_account_disabled_by_another_process_ends_its_running_workflows_within_two_checks(
    service: str, database_url: str
) -> None:
    # A check trusts a cached read no older than its interval: two intervals bound the delay.
    alice = token_for(service, "alice")
    elsewhere = open_database(database_url)  # another process: it evicts nothing of the service's
    with workflow_socket(service, alice) as websocket:
        websocket.send(json.dumps(initiate(service, alice, "ask")))
        receive_until(websocket, "text_input")

        with Session(elsewhere) as db:
            disable_user(db, get_user(db, "alice"))
        disabled_at = time.monotonic()
        error = receive(websocket)
        ended_after = time.monotonic() - disabled_at
        code, _ = close_of(websocket)
    elsewhere.dispose()

    assert error["type"] == "error" and error["content"]["short"].startswith(
        "your session has ended"
    )
    assert code == 1008
    # The margin is for a busy machine's scheduling, not for the bound.
    assert ended_after <= 2 * SESSION_CHECK_SECONDS + 1.0, ended_after
