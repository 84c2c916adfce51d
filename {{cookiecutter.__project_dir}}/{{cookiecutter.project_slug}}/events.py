"""Hand AG2's run events to a FastAgency UI, one UI call per event; none is dropped.

FastAgency's own `ui.process(response)` passes raw AG2 events on; the FastAPI adapter cannot
route those (they carry no workflow id), so a web client would miss messages and never see
input requests. Calling the UI's typed methods works with every FastAgency UI.

Events with a UI form of their own get it; a few repeat what another event already showed
(`SHOWN_BY_ANOTHER_EVENT`); every other type, including ones a later AG2 adds, reaches the UI
as a text message naming its type, so nothing the agents do is hidden.
"""

import json
from typing import Any

from autogen.io.run_response import RunResponseProtocol
from fastagency import UI

SHOWN_BY_ANOTHER_EVENT = {
    "execute_function": "the call was shown when it was suggested (tool_call)",
    "tool_response": "the same results as executed_function, as sent back to the model",
    "input_response": "the answer the user just gave to input_request",
    "run_completion": "its summary is the workflow's result, shown when the workflow completes",
}


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"raw": raw}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _as_text(event_type: str, content: Any) -> str:
    fields = content.model_dump(exclude={"uuid"})
    return f"[{event_type}] {json.dumps(fields, default=str)}"


def forward_event(ui: UI, event: Any) -> None:
    """Show one AG2 event in `ui`."""
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
        case "termination":
            ui.text_message(
                sender="Workflow",
                recipient="User",
                body=f"The chat ended: {content.termination_reason}",
            )
        case "error":
            ui.error(sender="Workflow", recipient="User", short=str(content.error))
        case event_type if event_type in SHOWN_BY_ANOTHER_EVENT:
            pass
        case event_type:
            ui.text_message(
                sender=getattr(content, "sender", None) or "Workflow",
                recipient=getattr(content, "recipient", None) or "User",
                body=_as_text(event_type, content),
            )


def forward_events(ui: UI, response: RunResponseProtocol) -> str:
    """Forward every event of an AG2 run to `ui`; return the run's summary."""
    for event in response.events:
        forward_event(ui, event)
    return str(response.summary)
