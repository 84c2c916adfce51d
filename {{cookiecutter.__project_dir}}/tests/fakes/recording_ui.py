"""A console UI that also keeps every message it was given, for assertions."""

from typing import Any

from fastagency.messages import IOMessage
from fastagency.ui.console import ConsoleUI


class RecordingUI(ConsoleUI):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[IOMessage] = []

    def process_message(self, message: IOMessage) -> Any:
        self.messages.append(message)
        return super().process_message(message)

    def types(self) -> list[str]:
        return [message.type for message in self.messages]
