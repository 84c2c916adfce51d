"""The websocket as browsers open it: a single-use ticket instead of an Authorization header,
and an `Origin` the service allows. A real server on loopback, real tokens, plain websockets."""

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Origin

from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.models import WebSocketTicket
from {{ cookiecutter.project_slug }}.service.runs.origins import origin_allowed
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import MakeUser, bearer
from ..utils.loopback import serve
from ..utils.websocket_client import (
    WAIT_SECONDS,
    ask,
    close_of,
    follow,
    initiate,
    receive_until,
    request_ticket,
    run_over_websocket,
    ticket_for,
    ticket_socket,
    token_for,
)
from ..utils.workflows import AddWorkflow

ANOTHER_SITE = "http://127.0.0.2:8000"  # what a page elsewhere sends as its Origin


def whoami(ui: Any, params: dict[str, Any]) -> str:
    return str(params["user"])


@pytest.fixture
def accounts(make_user: MakeUser, add_workflow: AddWorkflow) -> None:
    add_workflow("whoami", whoami, ("user",))
    add_workflow("ask", ask, ("user",))
    make_user("alice")
    make_user("bob")


def serving(settings: Settings, **changes: Any) -> Any:
    """The service on a loopback port, with these settings changed."""
    return serve(create_app(settings.model_copy(update=changes)))


@pytest.fixture
def service(settings: Settings, accounts: None) -> Iterator[str]:
    with serving(settings) as url:
        yield url


def refusal_of(url: str, ticket: str, start: Any, origin: str | None = None) -> tuple[int, str]:
    """The close code and reason of a websocket opened with `ticket` that sends `start`."""
    with ticket_socket(url, ticket, origin) as websocket:
        # Refused at the handshake (the close may arrive first), or for the start message.
        with contextlib.suppress(ConnectionClosed):
            websocket.send(json.dumps(start))
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=WAIT_SECONDS)  # no message: nothing ran
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_a_ticket_opens_the_websocket_for_its_reservation(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")

    with ticket_socket(service, ticket_for(service, token, start)) as websocket:
        messages = follow(websocket, start)
        closed = close_of(websocket)

    assert messages[-1]["content"]["result"] == "alice"
    assert closed == (1000, "workflow completed")


def test_a_ticket_is_issued_with_its_lifetime_and_never_cached(service: str) -> None:
    token = token_for(service, "alice")

    response = request_ticket(service, token, initiate(service, token, "whoami"))

    assert response.json()["expires_in"] == 30
    assert response.headers["Cache-Control"] == "no-store"


def test_a_replayed_ticket_is_refused(service: str, caplog: pytest.LogCaptureFixture) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")
    ticket = ticket_for(service, token, start)
    with ticket_socket(service, ticket) as websocket:
        assert follow(websocket, start)[-1]["content"]["result"] == "alice"

    code, reason = refusal_of(service, ticket, start)

    assert code == 1008
    assert reason.startswith("unknown, used or expired ticket: start the workflow again")
    incident = reason.rpartition("(incident ")[2].rstrip(")")
    assert f"incident {incident}" in caplog.text


def test_a_ticket_used_from_another_origin_is_refused_before_anything_runs(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")
    ticket = ticket_for(service, token, start)

    code, reason = refusal_of(service, ticket, start, origin=ANOTHER_SITE)

    assert code == 1008
    assert reason.startswith("this page's origin may not open workflows (see ALLOWED_ORIGINS)")
    # Refused at the door: the ticket and the reservation are still there for the real page.
    with ticket_socket(service, ticket) as websocket:
        assert follow(websocket, start)[-1]["content"]["result"] == "alice"


def test_a_bearer_token_sent_from_another_origin_is_refused(service: str) -> None:
    token = token_for(service, "alice")
    ws_url = service.replace("http://", "ws://") + "/fastagency/ws"

    with connect(
        ws_url, additional_headers=bearer(token), origin=Origin(ANOTHER_SITE)
    ) as websocket:
        code, reason = close_of(websocket)  # at once, before any start message

    assert code == 1008 and reason.startswith("this page's origin may not open workflows")


def test_allowed_origins_replace_the_services_own(settings: Settings, accounts: None) -> None:
    page = "https://chat.example.com"
    with serving(settings, allowed_origins=[page]) as service:
        token = token_for(service, "alice")
        start = initiate(service, token, "whoami")
        ticket = ticket_for(service, token, start)

        own_origin = refusal_of(service, ticket, start)[0]
        with ticket_socket(service, ticket, origin=page) as websocket:
            allowed = follow(websocket, start)[-1]["content"]["result"]

    assert own_origin == 1008 and allowed == "alice"


@pytest.mark.parametrize(
    ("scheme", "origin", "allowed"),
    [
        ("ws", "http://127.0.0.1:8000", True),
        ("ws", "http://127.0.0.1:8001", False),
        ("ws", "https://127.0.0.1:8000", False),
        # Behind a TLS proxy that uvicorn trusts (--proxy-headers): the page is https.
        ("wss", "https://127.0.0.1:8000", True),
        ("wss", "http://127.0.0.1:8000", False),
        ("ws", "null", False),  # a sandboxed frame or a file
    ],
)
def test_the_services_own_origin_is_its_scheme_and_host(
    scheme: str, origin: str, allowed: bool
) -> None:
    scope = {
        "type": "websocket",
        "scheme": scheme,
        "headers": [(b"host", b"127.0.0.1:8000"), (b"origin", origin.encode())],
    }

    assert origin_allowed(scope, []) is allowed


def test_allowed_origins_must_be_origins() -> None:
    with pytest.raises(ValueError, match=r"'https://chat\.example\.com/' is not an origin"):
        Settings(allowed_origins=["https://chat.example.com/"])


def test_an_expired_ticket_is_refused(settings: Settings, accounts: None) -> None:
    with serving(settings, websocket_ticket_seconds=0) as service:
        token = token_for(service, "alice")
        start = initiate(service, token, "whoami")

        code, reason = refusal_of(service, ticket_for(service, token, start), start)

    assert code == 1008 and reason.startswith("unknown, used or expired ticket")


def test_a_ticket_starts_its_own_reservation_only(service: str) -> None:
    token = token_for(service, "alice")
    first, second = initiate(service, token, "whoami"), initiate(service, token, "whoami")

    code, reason = refusal_of(service, ticket_for(service, token, first), second)

    assert code == 1008 and reason.startswith("unknown, used or expired workflow id")
    assert run_over_websocket(service, token, second)[-1]["content"]["result"] == "alice"


@pytest.mark.parametrize("reservation", ["another user's", "unknown"])
def test_no_ticket_is_issued_without_a_reservation_of_ones_own(
    service: str, reservation: str
) -> None:
    bobs = initiate(service, token_for(service, "bob"), "whoami")
    unknown = {"workflow_uuid": "0123456789abcdef0123456789abcdef"}  # pragma: allowlist secret
    start = bobs if reservation == "another user's" else unknown

    response = request_ticket(service, token_for(service, "alice"), start)

    assert response.status_code == 404
    assert response.json() == {"detail": "no such workflow reservation"}


def test_tickets_are_stored_hashed(service: str, db: Session) -> None:
    token = token_for(service, "alice")
    ticket = ticket_for(service, token, initiate(service, token, "whoami"))

    stored = db.scalars(select(WebSocketTicket.id_hash)).all()

    assert stored == [hashlib.sha256(ticket.encode()).hexdigest()]


def test_a_ticket_issued_before_signing_out_opens_nothing(service: str) -> None:
    token = token_for(service, "alice")
    start = initiate(service, token, "whoami")
    ticket = ticket_for(service, token, start)
    httpx.post(f"{service}/logout", headers=bearer(token)).raise_for_status()

    code, reason = refusal_of(service, ticket, start)

    assert code == 1008 and reason.startswith("your session has ended")


def test_signing_out_ends_a_run_opened_with_a_ticket(
    settings: Settings, accounts: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with serving(settings, workflow_session_check_seconds=0.2) as service:
        token = token_for(service, "alice")
        start = initiate(service, token, "ask")
        with ticket_socket(service, ticket_for(service, token, start)) as websocket:
            websocket.send(json.dumps(start))
            receive_until(websocket, "text_input")
            httpx.post(f"{service}/logout", headers=bearer(token)).raise_for_status()

            [error] = receive_until(websocket, "error")[-1:]
            code, reason = close_of(websocket)

    assert error["content"]["short"].startswith("your session has ended")
    assert code == 1008 and reason.startswith("your session has ended")
