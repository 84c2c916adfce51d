"""Every AG2 event reaches the UI: real AG2 event objects, forwarded one by one."""

import pytest
from autogen.events.agent_events import (
    ErrorEvent,
    InputRequestEvent,
    TerminationEvent,
    UsingAutoReplyEvent,
)

from {{ cookiecutter.project_slug }}.events import forward_event

from .fakes.recording_ui import RecordingUI


def test_an_event_type_without_a_ui_form_arrives_as_text_naming_it() -> None:
    ui = RecordingUI()
    event = UsingAutoReplyEvent(human_input_mode="NEVER", sender="User_Agent", recipient="Helper")

    forward_event(ui.create_workflow_ui("events"), event)

    (message,) = ui.messages
    assert message.type == "text_message"
    assert (message.sender, message.recipient) == ("User_Agent", "Helper")
    assert (
        message.body
        == '[using_auto_reply] {"human_input_mode": "NEVER", "sender": "User_Agent", "recipient": "Helper"}'
    )


def test_the_reason_a_chat_ended_is_shown() -> None:
    ui = RecordingUI()
    event = TerminationEvent(
        sender="A", recipient="B", termination_reason="Maximum turns (5) reached"
    )

    forward_event(ui.create_workflow_ui("events"), event)

    assert [message.body for message in ui.messages] == [
        "The chat ended: Maximum turns (5) reached"
    ]


def test_an_error_in_the_run_is_shown_as_an_error() -> None:
    ui = RecordingUI()

    forward_event(
        ui.create_workflow_ui("events"), ErrorEvent(error=ValueError("model unreachable"))
    )

    assert [(message.type, message.short) for message in ui.messages] == [
        ("error", "model unreachable")
    ]


def test_an_input_request_is_asked_in_the_ui_and_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt="": "Zagreb")
    answers: list[str] = []
    ui = RecordingUI()

    forward_event(
        ui.create_workflow_ui("events"),
        InputRequestEvent(prompt="Which city?", respond=answers.append),
    )

    assert ui.types() == ["text_input"]
    assert answers == ["Zagreb"]
