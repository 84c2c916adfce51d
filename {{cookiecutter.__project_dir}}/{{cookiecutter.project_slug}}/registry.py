"""The `workflow` decorator: how a function becomes a workflow the console and the service run.

    @workflow(name="weather", description="Ask about the weather in a city", roles=("admin", "user"))
    def weather(ui: UI, params: dict[str, Any]) -> RunResponseProtocol:
        ...  # set up the agents, then return the run: `user_agent.run(agent, message=...)`

The decorator registers the function with `wf` (what `main.py` and the service serve) and its
roles in `WORKFLOW_ROLES`, and wraps each run: a setup error (a missing setting, an API client
that cannot be built) becomes one error line for the user and a "Not started: ..." result, and
every event of the returned AG2 run reaches the UI (`events.py`).
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from autogen import ConversableAgent
from autogen.io.run_response import RunResponseProtocol
from fastagency import UI
from fastagency.api.openapi import OpenAPI
from fastagency.runtimes.ag2 import Workflow

from .clients.credentials import APIClientError
from .events import forward_events
from .settings import MissingSettingError


class Workflows(Workflow):  # type: ignore[misc]  # fastagency ships no type information
    """FastAgency's AG2 workflows, registering API clients one at a time in a process.

    FastAgency's `register_api` puts the client's types into `builtins` while it registers the
    functions and deletes them after: two workflows starting at once in one process (the service
    runs each in a thread) delete each other's, and one fails with "'module' object has no
    attribute 'Annotated'".
    """

    _registering = threading.Lock()

    def register_api(
        self,
        api: OpenAPI,
        callers: ConversableAgent | Iterable[ConversableAgent],
        executors: ConversableAgent | Iterable[ConversableAgent],
        functions: Any = None,
    ) -> None:
        with self._registering:
            super().register_api(api, callers, executors, functions)


wf = Workflows()

# Who may run each workflow over the web service (the console runs them all); filled in by
# `workflow`, so a workflow cannot exist without its roles.
WORKFLOW_ROLES: dict[str, tuple[str, ...]] = {}

# The safe default: a new workflow is for admins until someone decides otherwise.
ADMINS_ONLY = ("admin",)

# The start of a workflow's result when it could not start; main.py exits with code 1 on it.
NOT_STARTED = "Not started: "

# Problems of configuration, not bugs: the user gets one line instead of a traceback.
SETUP_ERRORS = (MissingSettingError, APIClientError)

# A workflow returns the AG2 run it started (its events are forwarded, its summary is the
# result), or its result as text.
WorkflowFunction = Callable[[UI, dict[str, Any]], RunResponseProtocol | str]


def workflow(
    *, name: str, description: str, roles: tuple[str, ...] = ADMINS_ONLY
) -> Callable[[WorkflowFunction], WorkflowFunction]:
    """Register the decorated function as the workflow `name`, runnable by `roles`."""

    def register(function: WorkflowFunction) -> WorkflowFunction:
        # FastAgency calls a workflow with exactly (ui, params).
        def run(ui: UI, params: dict[str, Any]) -> str:
            try:
                outcome = function(ui, params)
            except SETUP_ERRORS as error:
                ui.error(sender="Workflow", recipient="User", short=str(error))
                return f"{NOT_STARTED}{error}"
            if isinstance(outcome, str):
                return outcome
            return forward_events(ui, outcome)

        # A second workflow under a name in use would silently replace the first.
        wf.register(name=name, description=description, fail_on_redefintion=True)(run)
        WORKFLOW_ROLES[name] = tuple(roles)
        return function

    return register
