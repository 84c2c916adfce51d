"""Running workflows in a test, and registering workflows of a test's own."""

from collections.abc import Callable
from typing import Any

from {{ cookiecutter.project_slug }}.registry import WorkflowFunction

# From workflows.py, not registry.py: importing it registers the project's workflows.
from {{ cookiecutter.project_slug }}.workflows import WORKFLOW_ROLES, wf

from ..fakes.recording_ui import RecordingUI

AddWorkflow = Callable[[str, WorkflowFunction, tuple[str, ...]], None]  # name, function, roles


def run_workflow(name: str, **params: Any) -> tuple[str, RecordingUI]:
    """Run the workflow `name` in this process; its result and the UI that saw every message."""
    ui = RecordingUI()
    result = wf.run(name, ui.create_workflow_ui(f"test-{name}"), **params)
    return result, ui


def unregister(name: str) -> None:
    """Forget the workflow `name`: FastAgency's Workflow has no public way to."""
    wf._workflows.pop(name)
    WORKFLOW_ROLES.pop(name)
