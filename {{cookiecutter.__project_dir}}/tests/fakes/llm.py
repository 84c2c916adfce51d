"""A stand-in for an OpenAI-compatible chat-completions server.

It asks for the forecast tool on a weather question, then answers with what the tool returned,
and records every request so tests can check what the agents sent.
"""

import json
import re
import time
from typing import Any

from fastapi import FastAPI, Request


def _completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _tool_call(body: dict[str, Any], question: str) -> dict[str, Any]:
    wanted = "hourly" if "hourly" in question.lower() else "daily"
    names = [tool["function"]["name"] for tool in body.get("tools", [])]
    name = next(name for name in names if wanted in name)
    match = re.search(r"\bin ([A-Z][\w-]*)", question)
    city = match.group(1) if match else "Zagreb"
    call = {
        "id": f"call_{time.monotonic_ns()}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps({"city": city})},
    }
    return _completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")


def create_fake_llm() -> FastAPI:
    app = FastAPI()
    app.state.requests = []

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> dict[str, Any]:
        body = await request.json()
        app.state.requests.append({"headers": dict(request.headers), "body": body})
        last = body["messages"][-1]
        if last["role"] == "tool":
            answer = f"Here is what the weather API returned: {last['content']}"
            return _completion({"role": "assistant", "content": answer}, "stop")
        if body.get("tools") and last["role"] == "user":
            return _tool_call(body, str(last["content"]))
        refusal = "I only answer weather questions."
        return _completion({"role": "assistant", "content": refusal}, "stop")

    return app
