"""A client for the service's workflows, as any program would use them (HTTP, then a websocket),
and a workflow that waits for its user."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.sync.connection import Connection
from websockets.typing import Origin

from {{ cookiecutter.project_slug }}.service.example_client import sign_in

from .accounts import PASSWORD, bearer

# Bounds the tests' waits, so a service that hangs fails the test instead of stalling it.
WAIT_SECONDS = 30


def ask(ui: Any, params: dict[str, Any]) -> str:
    """Waits at a question (as an agent asking its human does); returns the answer."""
    return str(ui.text_input(sender="Workflow", recipient="User", prompt="Your answer?"))


def token_for(url: str, username: str) -> str:
    session = sign_in(url, username, PASSWORD)  # the shipped client's sign-in
    session.close()
    return str(session.token["access_token"])


def request_start(
    url: str, token: str, name: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    return httpx.post(
        f"{url}/fastagency/initiate_workflow",
        json={"workflow_name": name, "params": params or {}},
        headers=bearer(token),
        timeout=WAIT_SECONDS,
    )


def initiate(url: str, token: str, name: str, params: dict[str, Any] | None = None) -> Any:
    response = request_start(url, token, name, params)
    assert response.status_code == 200, response.text
    return response.json()


@contextmanager
def workflow_socket(url: str, token: str) -> Iterator[Connection]:
    ws_url = url.replace("http://", "ws://") + "/fastagency/ws"
    with connect(ws_url, additional_headers=bearer(token), open_timeout=WAIT_SECONDS) as websocket:
        yield websocket


def receive(websocket: Connection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(websocket.recv(timeout=WAIT_SECONDS))
    return message


def receive_until(websocket: Connection, message_type: str) -> list[dict[str, Any]]:
    """Messages up to and including the first of `message_type`."""
    messages = [receive(websocket)]
    while messages[-1]["type"] != message_type:
        messages.append(receive(websocket))
    return messages


def close_of(websocket: Connection) -> tuple[int, str]:
    """The close code and reason the server ends the connection with, after any messages."""
    try:
        while True:
            websocket.recv(timeout=WAIT_SECONDS)
    except ConnectionClosed as closed:
        if closed.rcvd is None:
            return 1006, ""  # no close frame: the connection was dropped
        return closed.rcvd.code, closed.rcvd.reason


def run_over_websocket(url: str, token: str, start: Any) -> list[dict[str, Any]]:
    """Open the websocket, send the start message, collect messages until the run completes."""
    with workflow_socket(url, token) as websocket:
        return follow(websocket, start)


def follow(websocket: Connection, start: Any) -> list[dict[str, Any]]:
    """Send the start message, collect messages until the run completes (or the socket closes)."""
    messages: list[dict[str, Any]] = []
    websocket.send(json.dumps(start))
    try:
        while not messages or messages[-1]["type"] != "workflow_completed":
            messages.append(receive(websocket))
    except ConnectionClosed:
        pass
    return messages


# As the chat page does it: a ticket for the reservation, then the websocket with it.
def request_ticket(url: str, token: str, start: Any) -> httpx.Response:
    return httpx.post(
        f"{url}/fastagency/ticket",
        json={"workflow_uuid": start["workflow_uuid"]},
        headers=bearer(token),
        timeout=WAIT_SECONDS,
    )


def ticket_for(url: str, token: str, start: Any) -> str:
    response = request_ticket(url, token, start)
    assert response.status_code == 200, response.text
    return str(response.json()["ticket"])


@contextmanager
def ticket_socket(url: str, ticket: str, origin: str | None = None) -> Iterator[Connection]:
    """The websocket opened with a ticket and no Authorization header, as a browser page on
    `origin` does (by default the service's own page)."""
    ws_url = url.replace("http://", "ws://") + f"/fastagency/ws?ticket={ticket}"
    page = Origin(origin or url)
    with connect(ws_url, origin=page, open_timeout=WAIT_SECONDS) as websocket:
        yield websocket
