"""A small command-line client for the service: sign in, start a workflow, follow it.

    python -m {{ cookiecutter.project_slug }}.service.example_client --user alice weather

It reads the password from a prompt (or standard input when piped) and signs in with Authlib's
OAuth2 client, which sends the access token and refreshes it when it nears expiry. It reserves a
run at /fastagency/initiate_workflow, opens the websocket with the token in the Authorization
header, prints each message, answers the workflow's questions from the keyboard, and signs out
(revokes its tokens) at the end.
"""

import argparse
import json
import sys
from typing import Any

import httpx2
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .auth.passwords import read_password

# The service has no registered clients and ignores this; Authlib sends it.
CLIENT_ID = "{{ cookiecutter.project_slug }}-cli"
# A public client: it proves nothing about itself, only the user's password does.
NO_CLIENT_AUTHENTICATION = "none"


def sign_in(base_url: str, username: str, password: str) -> OAuth2Client:
    """An HTTP client for `base_url` that holds this user's tokens."""
    session = OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method=NO_CLIENT_AUTHENTICATION,
        revocation_endpoint_auth_method=NO_CLIENT_AUTHENTICATION,
        token_endpoint=f"{base_url}/token",
        base_url=base_url,
    )
    session.fetch_token(username=username, password=password)
    return session


def _service_url(session: OAuth2Client, path: str) -> str:
    return str(session.base_url).rstrip("/") + path


def start(session: OAuth2Client, workflow: str, params: dict[str, Any]) -> dict[str, Any]:
    response = session.post(
        "/fastagency/initiate_workflow", json={"workflow_name": workflow, "params": params}
    )
    response.raise_for_status()
    reserved: dict[str, Any] = response.json()
    return reserved


def follow(session: OAuth2Client, reserved: dict[str, Any]) -> str | None:
    """Print the run's messages, answer its questions; return the final result."""
    ws_url = _service_url(session, "/fastagency/ws").replace("http", "ws", 1)
    bearer = {"Authorization": f"Bearer {session.token['access_token']}"}
    with connect(ws_url, additional_headers=bearer) as websocket:
        websocket.send(json.dumps(reserved))
        for raw in websocket:
            message = json.loads(raw)
            content = message.get("content", {})
            print(f"[{message['type']}] {json.dumps(content)}", flush=True)
            if message["type"] in ("text_input", "multiple_choice"):
                websocket.send(input(f"{content.get('prompt') or 'Your answer'}: "))
            if message["type"] == "workflow_completed":
                result: str | None = content.get("result")
                return result
    return None


def _printable(text: str) -> str:
    # What the service says is shown as text: no terminal control sequences get through.
    return "".join(character if character.isprintable() else "?" for character in text)


def sign_out(session: OAuth2Client) -> None:
    # Revoking the refresh token ends the whole session, its access token included.
    session.revoke_token(_service_url(session, "/revoke"), token=session.token["refresh_token"])


def run(base_url: str, username: str, workflow: str, params: dict[str, Any]) -> str | None:
    session = sign_in(base_url, username, read_password(confirm=False))
    try:
        return follow(session, start(session, workflow, params))
    finally:
        sign_out(session)
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workflow", help="workflow name, as listed by GET /")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    parser.add_argument("--user", required=True)
    parser.add_argument("--question", help="passed to the workflow as params.question")
    arguments = parser.parse_args(argv)
    params = {"question": arguments.question} if arguments.question else {}
    try:
        result = run(arguments.url.rstrip("/"), arguments.user, arguments.workflow, params)
    except OAuthError as refused:
        print(
            f"Sign-in refused: {_printable(refused.description or refused.error)}", file=sys.stderr
        )
        return 1
    except httpx2.HTTPStatusError as error:
        print(f"The service answered {error.response.status_code}", file=sys.stderr)
        return 1
    except ConnectionClosed as closed:
        # 1008: the session ended; 1009: a message was too large; 1013: the service is busy.
        frame = closed.rcvd
        reason = (
            f"{_printable(frame.reason)} (code {frame.code})"
            if frame
            else "the connection was lost"
        )
        print(f"The service closed the workflow: {reason}", file=sys.stderr)
        return 1
    return 0 if result is not None else 1


if __name__ == "__main__":
    sys.exit(main())
