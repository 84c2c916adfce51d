"""A workflow is one decorated function: its name, description and roles in one place."""

from collections.abc import Iterator
from typing import Any

import pytest

from {{ cookiecutter.project_slug }}.registry import workflow
from {{ cookiecutter.project_slug }}.settings import MissingSettingError
from {{ cookiecutter.project_slug }}.workflows import WORKFLOW_ROLES, wf

from .fakes.recording_ui import RecordingUI
from .utils.workflows import unregister


@pytest.fixture
def scratch() -> Iterator[str]:
    """The name of a workflow a test declares; it is forgotten afterwards."""
    yield "scratch"
    unregister("scratch")


def test_a_workflow_declared_without_roles_is_for_admins_only(scratch: str) -> None:
    @workflow(name=scratch, description="A workflow nobody thought about")
    def scratch_workflow(ui: Any, params: dict[str, Any]) -> str:
        return "done"

    assert WORKFLOW_ROLES[scratch] == ("admin",)
    assert wf.get_description(scratch) == "A workflow nobody thought about"


def test_a_second_workflow_under_a_name_in_use_is_refused() -> None:
    def weather_again(ui: Any, params: dict[str, Any]) -> str:
        return "not the weather workflow"

    with pytest.raises(ValueError, match="'weather' already exists"):
        workflow(name="weather", description="A copy")(weather_again)

    assert wf.get_description("weather") == "Ask about the weather in a city"


def test_a_setup_error_stops_any_workflow_with_one_line(scratch: str) -> None:
    @workflow(name=scratch, description="Needs a setting", roles=("user",))
    def scratch_workflow(ui: Any, params: dict[str, Any]) -> str:
        raise MissingSettingError("SCRATCH_API_KEY")

    ui = RecordingUI()
    result = wf.run(scratch, ui.create_workflow_ui("scratch"))

    assert result.startswith("Not started: SCRATCH_API_KEY is not set")
    errors = [message.short for message in ui.messages if message.type == "error"]
    assert errors == [result.removeprefix("Not started: ")]


def test_a_workflow_may_answer_with_text_instead_of_an_agent_run(scratch: str) -> None:
    @workflow(name=scratch, description="Answers by itself", roles=("user",))
    def scratch_workflow(ui: Any, params: dict[str, Any]) -> str:
        return f"Hello, {params['person']}"

    result = wf.run(scratch, RecordingUI().create_workflow_ui("scratch"), person="Ana")

    assert result == "Hello, Ana"
