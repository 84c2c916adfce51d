"""Run the project in a new process, as a user does."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def with_project_importable(env: dict[str, str]) -> dict[str, str]:
    return {**env, "PYTHONPATH": str(PROJECT_ROOT)}


def run_python(
    *arguments: str, stdin: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python <arguments>` in a new process, as a user runs it, with this project importable."""
    return subprocess.run(
        [sys.executable, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=with_project_importable({**os.environ, **(env or {})}),
        check=False,
    )
