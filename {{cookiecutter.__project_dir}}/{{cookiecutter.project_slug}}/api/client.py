"""A small command-line client for the service: sign in, start a workflow, follow it.

    python -m {{ cookiecutter.project_slug }}.api.client --user alice weather

It reads the password from a prompt (or standard input when piped), gets a token from /token,
reserves a run at /fastagency/initiate_workflow, opens the websocket with the token in the
Authorization header, prints each message and answers the workflow's questions from the keyboard.
"""

import argparse
import json
import sys
from typing import Any

import httpx
from websockets.sync.client import connect

from .passwords import read_password


def sign_in(base_url: str, username: str, password: str) -> str:
    response = httpx.post(f"{base_url}/token", data={"username": username, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


def start(base_url: str, token: str, workflow: str, params: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/fastagency/initiate_workflow",
        json={"workflow_name": workflow, "params": params},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    reserved: dict[str, Any] = response.json()
    return reserved


def follow(base_url: str, token: str, reserved: dict[str, Any]) -> str | None:
    """Print the run's messages, answer its questions; return the final result."""
    ws_url = base_url.replace("http", "ws", 1) + "/fastagency/ws"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as websocket:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workflow", help="workflow name, as listed by GET /")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    parser.add_argument("--user", required=True)
    parser.add_argument("--question", help="passed to the workflow as params.question")
    arguments = parser.parse_args(argv)
    token = sign_in(arguments.url, arguments.user, read_password(confirm=False))
    params = {"question": arguments.question} if arguments.question else {}
    result = follow(arguments.url, token, start(arguments.url, token, arguments.workflow, params))
    return 0 if result is not None else 1


if __name__ == "__main__":
    sys.exit(main())
