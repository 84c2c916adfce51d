"""`{{ cookiecutter.project_slug }} demo` in a process of its own, started as a user starts it: the chat page's URL
and the demo user's credentials it prints, for tests that drive it (over the API, in a browser)."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .processes import with_project_importable

# The console script's command, run by module: the script itself is there only when the project
# is installed, and the tests also run from a venv holding just its dependencies.
DEMO_COMMAND = [sys.executable, "-m", "{{ cookiecutter.project_slug }}.cli", "demo"]
# A bound on hangs, not a speed target: importing FastAgency on a busy 2-core machine is slow.
START_TIMEOUT_SECONDS = 240
STOP_TIMEOUT_SECONDS = 60
LAST_LINE = "Ctrl-C to stop."


@dataclass
class RunningDemo:
    process: "subprocess.Popen[str]"
    chat_url: str
    username: str
    password: str
    lines: "queue.Queue[str | None]" = field(repr=False)
    printed: list[str]  # what it printed up to LAST_LINE

    @property
    def url(self) -> str:
        """The service's base URL."""
        return self.chat_url.removesuffix("/chat")

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Send `signum` (SIGINT: what Ctrl-C sends); the exit status and what it printed after
        the announcement."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        rest: list[str] = []
        while (line := self.lines.get(timeout=STOP_TIMEOUT_SECONDS)) is not None:
            rest.append(line)
        return code, "".join(rest)


def _read_lines(output: "subprocess.Popen[str]", lines: "queue.Queue[str | None]") -> None:
    assert output.stdout is not None
    for line in output.stdout:
        lines.put(line)
    lines.put(None)  # the process closed its output


def _value_after(label: str, printed: list[str]) -> str:
    return next(line.split()[-1] for line in printed if line.split()[:1] == [label])


@contextlib.contextmanager
def running_demo(cwd: Path, env: dict[str, str] | None = None) -> Iterator[RunningDemo]:
    """`{{ cookiecutter.project_slug }} demo --port 0` started in `cwd` (the environment: this process's, with
    `env`); yields it once it has printed its URL; killed afterwards if still running."""
    process = subprocess.Popen(
        [*DEMO_COMMAND, "--port", "0"],
        cwd=cwd,
        env=with_project_importable({**os.environ, **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process, lines), daemon=True).start()
    try:
        printed: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not printed or printed[-1].strip() != LAST_LINE:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"the demo was not ready in {START_TIMEOUT_SECONDS} s:\n" + "".join(printed)
                ) from None
            assert line is not None, "the demo ended before it was ready:\n" + "".join(printed)
            printed.append(line)
        yield RunningDemo(
            process,
            chat_url=_value_after("Open", printed),
            username=_value_after("Username", printed),
            password=_value_after("Password", printed),
            lines=lines,
            printed=printed,
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
