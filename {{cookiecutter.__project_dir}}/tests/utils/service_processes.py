"""The service in processes of its own, started with the README's "Run in production" commands, so
that what the README says and what the tests run cannot drift apart."""

import contextlib
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from .accounts import SIGNING_KEY
from .processes import PROJECT_ROOT

# A bound on hangs, not a speed target: several processes importing FastAgency at once on a busy
# 2-core machine (the template's CI runs several suites side by side) take a minute or more.
START_TIMEOUT_SECONDS = 240


@dataclass
class UvicornProcess:
    port: int
    pid: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_memory_kilobytes(self) -> int:
        """The process's peak resident memory so far (VmHWM: memory freed since still counts)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1])


def _production_section() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    return readme.split("### Run in production", 1)[1].split("\n## ", 1)[0]


def _console_blocks(text: str) -> list[str]:
    return [block.split("```", 1)[0] for block in text.split("```console\n")[1:]]


def _uvicorn_arguments(block: str, port: int) -> list[str]:
    """A README uvicorn command's arguments, on `port`."""
    words = shlex.split(block.replace("\\\n", " "))
    assert words[:2] == ["ENVIRONMENT=production", "uvicorn"], block
    arguments = words[2:]
    arguments[arguments.index("--port") + 1] = str(port)
    return [sys.executable, "-m", "uvicorn", *arguments]


def readme_upgrade_command() -> list[str]:
    """The README's schema upgrade (the first command of "Run in production"), as this Python
    runs it."""
    upgrade = _console_blocks(_production_section())[0]
    assert shlex.split(upgrade) == ["{{ cookiecutter.project_slug }}", "db", "upgrade"], upgrade
    return [sys.executable, "-m", "{{ cookiecutter.project_slug }}.cli", "db", "upgrade"]


def readme_serve_command(port: int) -> list[str]:
    """The README's production uvicorn command: one process."""
    return _uvicorn_arguments(_console_blocks(_production_section())[1], port)


def readme_workers_command(port: int) -> list[str]:
    """The README's uvicorn command with worker processes (under "Several processes")."""
    several = _production_section().split("#### Several processes", 1)[1]
    return _uvicorn_arguments(_console_blocks(several)[0], port)


def service_environment(database_url: str) -> dict[str, str]:
    """This process's environment (the tests' configuration included) for a service process."""
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ENVIRONMENT": "production",
        "JWT_SECRET_KEY": SIGNING_KEY,  # the same key everywhere: tokens work on every instance
        "DATABASE_URL": database_url,
    }


def upgrade_schema(folder: Path, env: dict[str, str]) -> None:
    subprocess.run(readme_upgrade_command(), cwd=folder, env=env, check=True, capture_output=True)


@contextlib.contextmanager
def serving(
    *commands: tuple[list[str], Path], env: dict[str, str]
) -> Iterator[list[UvicornProcess]]:
    """Start each command (its output to the log file given with it) together, wait until all
    answer /health, and stop them afterwards."""
    started: list[tuple[subprocess.Popen[bytes], UvicornProcess]] = []
    try:
        for command, log in commands:
            with log.open("w") as output:
                process = subprocess.Popen(
                    command, cwd=log.parent, env=env, stdout=output, stderr=subprocess.STDOUT
                )
            port = int(command[command.index("--port") + 1])
            started.append((process, UvicornProcess(port, process.pid, log)))
        for process, server in started:
            _wait_until_healthy(process, server)
        yield [server for _, server in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.wait(timeout=30)


def _wait_until_healthy(process: "subprocess.Popen[bytes]", server: UvicornProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/health").status_code == 200:
                return
        except httpx.TransportError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not start:\n{server.log.read_text()[-3000:]}")
