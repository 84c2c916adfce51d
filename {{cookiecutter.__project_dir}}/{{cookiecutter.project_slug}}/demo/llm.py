"""A stand-in for an OpenAI-compatible chat-completions server, scripted turn by turn: the tests'
LLM (tests/fakes/llm.py holds it for a test) and the demo's (`{{ cookiecutter.project_slug }} demo`).

    def test_the_agent_can_be_told_what_to_call(configured: None, fake_llm: FakeLLM) -> None:
        fake_llm.script(
            call("get_hourly_weather_hourly_get", city="Oslo"),  # the model asks for a tool
            say("Rain in Oslo."),  # then answers
        )
        ...  # run the workflow
        first, second = fake_llm.requests  # every request, headers and JSON body
        assert second["body"]["messages"][-1]["role"] == "tool"

Each request takes the next turn of the script; one after the last turn gets HTTP 400 saying
so, and the workflow fails with that message. Without a script the server answers weather
questions (`weather_turn`), as the project's own tests and the service's end-to-end test expect,
and echoes what an agent without tools says. The demo's server starts every answer with a mark
(`DEMO_MARK`), so nobody takes its text for a model's.
"""

import itertools
import json
import re
import time
from collections import deque
from typing import Any, TypedDict

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# An assistant message as the chat-completions API returns it.
Turn = dict[str, Any]

DEMO_MARK = "Demo (no LLM involved): "

_call_ids = itertools.count(1)


class ReceivedRequest(TypedDict):
    headers: dict[str, str]
    body: dict[str, Any]


def say(text: str) -> Turn:
    """A turn in which the model answers with `text`."""
    return {"role": "assistant", "content": text}


def call(function: str, /, **arguments: Any) -> Turn:
    """A turn in which the model asks for one tool call: `function(**arguments)`."""
    return calls((function, arguments))


def calls(*requested: tuple[str, dict[str, Any]]) -> Turn:
    """A turn with several tool calls at once: `calls(("fn", {"city": "Oslo"}), ...)`."""
    tool_calls = [
        {
            "id": f"call_{next(_call_ids)}",
            "type": "function",
            "function": {"name": function, "arguments": json.dumps(arguments)},
        }
        for function, arguments in requested
    ]
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


def weather_turn(body: dict[str, Any]) -> Turn:
    """The default answer: the forecast tool for the city in the question, then its result;
    to an agent without tools, the message it sent, echoed."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return say(f"Here is what the weather API returned: {last['content']}")
    if not (body.get("tools") and last["role"] == "user"):
        return say(f"You said: {last['content']}")
    question = str(last["content"])
    wanted = "hourly" if "hourly" in question.lower() else "daily"
    names = [tool["function"]["name"] for tool in body["tools"]]
    match = re.search(r"\bin ([A-Z][\w-]*)", question)
    city = match.group(1) if match else "Zagreb"
    return call(next(name for name in names if wanted in name), city=city)


def completion(message: Turn) -> dict[str, Any]:
    """A chat-completions response carrying `message`."""
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def marked(turn: Turn, mark: str) -> Turn:
    """`turn` with its text (not its tool calls) starting with `mark`."""
    if not (mark and isinstance(turn.get("content"), str)):
        return turn
    return {**turn, "content": mark + turn["content"]}


def create_fake_llm(mark: str = "") -> FastAPI:
    """The server, answering weather questions until a test gives it a script; each answer's
    text starts with `mark` (the demo's is DEMO_MARK)."""
    app = FastAPI()
    app.state.requests = []
    app.state.script = None  # a deque of turns while scripted

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        body = await request.json()
        app.state.requests.append(ReceivedRequest(headers=dict(request.headers), body=body))
        script: deque[Turn] | None = app.state.script
        if script is None:
            return JSONResponse(completion(marked(weather_turn(body), mark)))
        if not script:
            number = len(app.state.requests)
            message = f"the fake LLM's script has no turn left for request {number}"
            return JSONResponse({"error": {"message": message, "type": "script"}}, 400)
        return JSONResponse(completion(marked(script.popleft(), mark)))

    return app
