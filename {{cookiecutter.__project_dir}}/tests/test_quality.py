"""The project's own lint, type and secret checks, as `pre-commit` and CI run them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .utils.processes import PROJECT_ROOT

# The template's CI runs these for every option; project setup leaves them to your first pytest.
pytestmark = pytest.mark.static

SOURCES = ["{{ cookiecutter.project_slug }}", "tests"]
# The template's commit id in .cruft.json is hex, not a secret, and JSON has no comment for a
# pragma. The detect-secrets hook in .pre-commit-config.yaml passes the same pattern.
TEMPLATE_COMMIT_LINE = r'^\s*"_?commit": "[0-9a-f]{40}",?$'
# What .gitignore keeps out of a commit, for a project that is not a git repository (yet).
NEVER_COMMITTED = {
    ".git",
    ".venv",
    ".env",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
}


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


def files_a_commit_would_take() -> list[str]:
    """What `git add -A && git commit` would take: tracked files and untracked ones that are
    not ignored. Scanning only tracked files passes before the first commit and fails after it."""
    git = shutil.which("git")
    if git is not None:
        listed = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if listed.returncode == 0:
            names = [name for name in listed.stdout.split("\0") if name]
            # A deleted file stays in the index until its deletion is committed.
            return [name for name in names if (PROJECT_ROOT / name).is_file()]
    found = []
    for folder, subfolders, files in os.walk(PROJECT_ROOT):
        subfolders[:] = [name for name in subfolders if name not in NEVER_COMMITTED]
        relative = Path(folder).relative_to(PROJECT_ROOT)
        found += [(relative / name).as_posix() for name in files if name not in NEVER_COMMITTED]
    return found


def test_nothing_a_commit_would_take_looks_like_a_secret() -> None:
    result = run_tool(
        "detect_secrets.pre_commit_hook",
        "--exclude-lines",
        TEMPLATE_COMMIT_LINE,
        *files_a_commit_would_take(),
    )

    # The output names each file:line. A test value that only looks like a secret: end its line
    # with `# pragma: allowlist secret`, and say why in a comment.
    assert result.returncode == 0, result.stdout + result.stderr
