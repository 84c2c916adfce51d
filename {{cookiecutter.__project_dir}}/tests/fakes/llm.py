"""The fake LLM as a test holds it: the server is the package's ({{ cookiecutter.project_slug }}/demo/llm.py),
which the demo serves too."""

from collections import deque

from {{ cookiecutter.project_slug }}.demo.llm import ReceivedRequest, Turn

from ..utils.loopback import LocalServer


class FakeLLM(LocalServer):
    """The fake server as a test holds it: script its turns, read what it received."""

    def script(self, *turns: Turn) -> None:
        """Answer the next requests with these turns, in order (and nothing after them)."""
        self.state.script = deque(turns)

    @property
    def requests(self) -> list[ReceivedRequest]:
        return list(self.state.requests)

    def reset(self) -> None:
        """Back to the weather answers, with no requests recorded."""
        self.state.requests.clear()
        self.state.script = None
