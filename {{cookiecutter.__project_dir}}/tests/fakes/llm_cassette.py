"""Record a workflow's exchange with a real LLM provider once; replay it offline ever after.

A cassette is a JSON file: the chat-completions requests the agents made, in order, each with
the provider's answer. Only JSON bodies are kept (no headers, so no `Authorization`), and every
secret is replaced by "<scrubbed>": the values passed as `secrets`, bearer tokens, and anything
shaped like an OpenAI key or a JSON Web Token. On replay each request must equal the recorded
one; one that does not is answered with HTTP 400, and the replay fails with a diff of the two.
"""

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..utils.loopback import serve

SCRUBBED = "<scrubbed>"
SECRET_PATTERNS = [
    # Long enough not to take prose ("bearer authentication") for a token.
    re.compile(r"Bearer\s+[\w.~+/=-]{16,}", re.IGNORECASE),
    re.compile(r"\bsk-[\w-]{8,}"),  # OpenAI keys
    re.compile(r"\beyJ[\w-]+\.[\w-]*\.[\w-]*"),  # JSON Web Tokens, such as the service's
]
# Shorter values (a test's "x") would scrub ordinary words.
MIN_SECRET_LENGTH = 6
# Environment variables whose values are scrubbed wherever they appear.
SECRET_SUFFIXES = ("_KEY", "_TOKEN", "_PASSWORD", "_SECRET")
PROVIDER_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Provider:
    """The real OpenAI-compatible provider a recording is made against."""

    base_url: str  # e.g. https://api.openai.com/v1
    api_key: str


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """`value` (JSON data) with every secret in its strings replaced."""
    if isinstance(value, dict):
        return {scrub(key, secrets): scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    if not isinstance(value, str):
        return value
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            value = value.replace(secret, SCRUBBED)
    for pattern in SECRET_PATTERNS:
        value = pattern.sub(SCRUBBED, value)
    return value


def readable_diff(recorded: Any, received: Any) -> str:
    def lines(data: Any) -> list[str]:
        return json.dumps(data, indent=2, sort_keys=True).splitlines()

    diff = difflib.unified_diff(
        lines(recorded), lines(received), "cassette", "this run", lineterm=""
    )
    return "\n".join(diff)


def create_recorder(provider: Provider, secrets: list[str]) -> FastAPI:
    """A proxy to `provider` (with its key, whatever key the agents send) that keeps each exchange."""
    app = FastAPI()
    app.state.exchanges = []
    secrets = [*secrets, provider.api_key]

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        body = await request.json()
        async with httpx.AsyncClient(timeout=PROVIDER_TIMEOUT_SECONDS) as client:
            answer = await client.post(
                f"{provider.base_url.rstrip('/')}/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {provider.api_key}"},
            )
        exchange = {"request": body, "status": answer.status_code, "response": answer.json()}
        app.state.exchanges.append(scrub(exchange, secrets))
        return JSONResponse(answer.json(), answer.status_code)

    return app


def create_replayer(exchanges: list[dict[str, Any]], secrets: list[str]) -> FastAPI:
    """A server that answers each request with the next recorded answer, if the request matches."""
    app = FastAPI()
    app.state.answered = 0
    app.state.mismatches = []

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        received = scrub(await request.json(), secrets)
        number = app.state.answered + len(app.state.mismatches) + 1
        # After a mismatch the rest of the conversation cannot match the cassette either.
        in_step = not app.state.mismatches and app.state.answered < len(exchanges)
        if not in_step:
            problem = f"request {number} is not in the cassette (it has {len(exchanges)})"
            app.state.mismatches.append(f"{problem}:\n{readable_diff(None, received)}")
            return JSONResponse({"error": {"message": problem, "type": "cassette"}}, 400)
        expected = exchanges[app.state.answered]
        if received != expected["request"]:
            problem = f"request {number} differs from the cassette's"
            diff = readable_diff(expected["request"], received)
            app.state.mismatches.append(f"{problem}:\n{diff}")
            return JSONResponse({"error": {"message": problem, "type": "cassette"}}, 400)
        app.state.answered += 1
        return JSONResponse(expected["response"], expected["status"])

    return app


@contextmanager
def cassette_llm(path: Path, secrets: list[str], record_from: Provider | None) -> Iterator[str]:
    """Serve an OpenAI-compatible base URL (ending in /v1) for one test.

    With `record_from`, it passes requests to that provider and writes the cassette at `path`
    when the test is over; without, it replays `path` and raises AssertionError with a diff when
    the test's requests differed from the cassette's (or left some unused).
    """
    if record_from is not None:
        recorder = create_recorder(record_from, secrets)
        with serve(recorder) as url:
            yield f"{url}/v1"
        path.parent.mkdir(parents=True, exist_ok=True)
        cassette = {"exchanges": recorder.state.exchanges}
        path.write_text(json.dumps(cassette, indent=2, ensure_ascii=False) + "\n")
        return
    if not path.exists():
        raise AssertionError(f"no cassette at {path}: record it with `pytest --record-llm`")
    exchanges = json.loads(path.read_text())["exchanges"]
    replayer = create_replayer(exchanges, secrets)
    with serve(replayer) as url:
        try:
            yield f"{url}/v1"
        finally:
            # Also when the test failed: the diff is what explains its failure.
            if replayer.state.mismatches:
                mismatches = "\n\n".join(replayer.state.mismatches)
                raise AssertionError(f"replay of {path} failed:\n{mismatches}")
    if replayer.state.answered < len(exchanges):
        raise AssertionError(f"the run made fewer requests than the {len(exchanges)} in {path}")


def cassette_path(test_file: Path, test_name: str) -> Path:
    """Where a test's cassette lives: beside its module, in cassettes/<module>/<test>.json."""
    file_name = re.sub(r"[^\w.-]", "_", test_name)  # parametrised names have brackets
    return test_file.parent / "cassettes" / test_file.stem / f"{file_name}.json"


def secrets_in_environment() -> list[str]:
    """The values of the environment's secret settings (keys, tokens, passwords): scrubbed."""
    return [value for name, value in os.environ.items() if name.endswith(SECRET_SUFFIXES) and value]
