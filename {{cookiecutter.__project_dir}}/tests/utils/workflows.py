"""For tests that register workflows of their own, through the same decorator as the project."""

from collections.abc import Callable

from {{ cookiecutter.project_slug }}.registry import WORKFLOW_ROLES, WorkflowFunction, wf

AddWorkflow = Callable[[str, WorkflowFunction, tuple[str, ...]], None]  # name, function, roles


def unregister(name: str) -> None:
    """Forget the workflow `name`: FastAgency's Workflow has no public way to."""
    wf._workflows.pop(name)
    WORKFLOW_ROLES.pop(name)
