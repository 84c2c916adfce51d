"""The project's own lint, type and secret checks, as `pre-commit` and CI run them."""

import json
import subprocess
import sys

import pytest

from .conftest import PROJECT_ROOT

# The template's CI runs these for every option; project setup leaves them to your first pytest.
pytestmark = pytest.mark.static

SOURCES = ["{{ cookiecutter.project_slug }}", "tests"]


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", *SOURCES),
        ("ruff", "format", "--check", *SOURCES),
        pytest.param(("mypy", *SOURCES), marks=pytest.mark.slow),
        ("bandit", "-q", "-c", "pyproject.toml", "-r", "{{ cookiecutter.project_slug }}"),
    ],
    ids=["ruff", "ruff-format", "mypy", "bandit"],
)
def test_tool_is_clean(command: tuple[str, ...]) -> None:
    result = run_tool(*command)

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secrets_in_tracked_files() -> None:
    result = run_tool("detect_secrets", "scan", *SOURCES, "README.md", ".env.example")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"] == {}
