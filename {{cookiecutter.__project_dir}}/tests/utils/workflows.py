"""Types for tests that register workflows of their own."""

from collections.abc import Callable
from typing import Any

WorkflowFunction = Callable[[Any, dict[str, Any]], str]  # (ui, params) -> result
AddWorkflow = Callable[[str, WorkflowFunction, tuple[str, ...]], None]  # name, function, roles
