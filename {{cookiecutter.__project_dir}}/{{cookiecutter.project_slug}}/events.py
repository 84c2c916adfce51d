"""Hand AG2's run events to a FastAgency UI, one UI call per event.

FastAgency's own `ui.process(response)` passes raw AG2 events on; the FastAPI adapter cannot
route those (they carry no workflow id), so a web client would miss messages and never see
input requests. Calling the UI's typed methods works with every FastAgency UI.
"""

import json
from typing import Any

from fastagency import UI


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"raw": raw}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def forward_events(ui: UI, response: Any) -> str:
    """Forward every event of an AG2 run to `ui`; return the run's summary."""
    for event in response.events:
        content = event.content
        match event.type:
            case "text":
                ui.text_message(
                    sender=content.sender, recipient=content.recipient, body=str(content.content)
                )
            case "tool_call":
                for call in content.tool_calls:
                    ui.suggested_function_call(
                        sender=content.sender,
                        recipient=content.recipient,
                        function_name=call.function.name,
                        call_id=call.id,
                        arguments=_arguments(call.function.arguments),
                    )
            case "executed_function":
                ui.function_call_execution(
                    sender=content.recipient,
                    recipient="Workflow",
                    function_name=content.func_name,
                    call_id=content.call_id,
                    retval=content.content,
                )
            case "input_request":
                answer = ui.text_input(
                    sender="Workflow",
                    recipient="User",
                    prompt=content.prompt,
                    password=content.password,
                )
                content.respond(answer or "")
    return str(response.summary)
