"""What several template tests share: where things are, rendering, running a tool."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
DEFAULT_SLUG = "weather_agent"
AUTH_SCHEMES = QUESTIONS["weather_api_auth"]
# README's generate command; tests run it with this checkout in place of the path.
GENERATE_COMMAND = "cookiecutter path/to/this/template"
# Tools of the template's own .venv (pytest runs from it): cookiecutter, uv, ruff, mypy.
TOOLS_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([str(TOOLS_BIN), os.environ["PATH"]]))
    assert found, f"{name} is not installed: run the tests with scripts/test"
    return found


def run(
    command: list[str], cwd: Path, timeout: float = 600, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def load_hook(name: str) -> ModuleType:
    """Import a hook script as a module: its only Jinja is inside a string literal."""
    path = TEMPLATE_DIR / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers(**overrides: object) -> dict[str, object]:
    """The default answers (first choice of each list) with overrides, as the hooks see them."""
    chosen = {
        key: value[0] if isinstance(value, list) else value
        for key, value in QUESTIONS.items()
        if not key.startswith("_")
    }
    chosen["project_slug"] = DEFAULT_SLUG
    chosen.update(overrides)
    return chosen


# What git, the venv and the tools add to a project after rendering.
NOT_RENDERED = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}


def rendered_files(project: Path) -> list[Path]:
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and not NOT_RENDERED.intersection(path.relative_to(project).parts)
    ]
