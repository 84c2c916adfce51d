"""Console entry point: `fastagency run {{ cookiecutter.project_slug }}/main.py`."""

from typing import Any

from fastagency import UI, FastAgency
from fastagency.base import ProviderProtocol
from fastagency.ui.console import ConsoleUI

from {{ cookiecutter.project_slug }}.registry import NOT_STARTED
from {{ cookiecutter.project_slug }}.workflows import wf


class ExitWhenNotStarted:
    """The workflows, run from a terminal: one that cannot start ends the process with its
    one-line reason on stderr and exit code 1, so that a script or CI job sees the failure.
    (`fastagency run` itself ignores a workflow's result and exits 0.)"""

    def __init__(self, workflows: ProviderProtocol) -> None:
        self.workflows = workflows

    @property
    def names(self) -> list[str]:
        return list(self.workflows.names)

    def get_description(self, name: str) -> str:
        return str(self.workflows.get_description(name))

    def run(self, name: str, ui: UI, user_id: str | None = None, **params: Any) -> str:
        result = str(self.workflows.run(name, ui, user_id, **params))
        if result.startswith(NOT_STARTED):
            raise SystemExit(result.removeprefix(NOT_STARTED))
        return result


{# Any text as a Python literal that ruff format keeps: backslashes doubled, double quotes
    as \x22 (tojson would write an emoji as two surrogate escapes). -#}
TITLE = "{{ cookiecutter.project_name | replace('\\', '\\\\') | replace('"', '\\x22') }}"
app = FastAgency(provider=ExitWhenNotStarted(wf), ui=ConsoleUI(), title=TITLE)
