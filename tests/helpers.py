"""What several template tests share: where things are, rendering, running a tool."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
QUESTION_NAMES = [name for name in QUESTIONS if not name.startswith("_")]
COPIER_CONFIG = yaml.safe_load((TEMPLATE_DIR / "copier.yml").read_text())
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.__project_dir}}"
ANSWERS_FILE = ".copier-answers.yml"
# Cookiecutter's record of the answers and template commit, for `cruft update`.
CRUFT_FILE = ".cruft.json"
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
NOT_RENDERED = {
    ".git",
    ".venv",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
}


def rendered_files(project: Path) -> list[Path]:
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and not NOT_RENDERED.intersection(path.relative_to(project).parts)
    ]


# Pictures (the README's screenshot): not text, so both tools copy them as they are.
BINARY_SUFFIXES = {".png"}


def rendered_text_files(project: Path) -> list[Path]:
    return [path for path in rendered_files(project) if path.suffix not in BINARY_SUFFIXES]


def project_tree(project: Path) -> dict[str, bytes]:
    """Every rendered file's content by its path in the project (the answers file each tool
    writes for its updates aside: copier's, cruft's).

    The JWT signing key the hook generates into .env differs per project by design.
    """
    return {
        path.relative_to(project).as_posix(): re.sub(
            rb"(?m)^JWT_SECRET_KEY=.+$", b"JWT_SECRET_KEY=<generated>", path.read_bytes()
        )
        for path in rendered_files(project)
        if path.relative_to(project).as_posix() not in {ANSWERS_FILE, CRUFT_FILE}
    }


def copier_copy(
    destination: Path,
    *data: str,
    options: tuple[str, ...] = (),
    template: Path = TEMPLATE_DIR,
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` with `--data key=value` for each of `data`.

    From HEAD (with uncommitted changes) unless `options` name a ref: copier would otherwise
    take a git template's newest tag, not the files under test.
    """
    if not any(option.startswith("--vcs-ref") for option in options):
        options = ("--vcs-ref=HEAD", *options)
    data_options = [option for item in data for option in ("--data", item)]
    return run(
        [
            tool("copier"),
            "copy",
            "--trust",
            "--defaults",
            *options,
            *data_options,
            str(template),
            str(destination),
        ],
        destination.parent,
        **kwargs,
    )


def cookiecutter_typed(
    output: Path, typed: dict[str, str], **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Cookiecutter with its prompts answered on stdin, as a user types (Enter: the default).

    Typed answers are used as given (cookiecutter's prompt strips surrounding spaces), unlike
    `--no-input key=value` arguments, which cookiecutter renders as Jinja first.
    """
    lines = []
    for name in QUESTION_NAMES:
        value = typed.get(name, "")
        choices = QUESTIONS[name]
        if isinstance(choices, list) and value:
            value = str(choices.index(value) + 1)
        elif isinstance(choices, bool) and value:
            value = {"true": "y", "false": "n"}[value]
        lines.append(value)
    return run(
        [tool("cookiecutter"), "-o", str(output), str(TEMPLATE_DIR)],
        output.parent,
        input="\n".join(lines) + "\n",
        **kwargs,
    )


# What a file name on Windows may not be: a render or checkout there would fail.
WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(code) for code in range(32)}
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{digit}" for digit in range(1, 10)),
    *(f"LPT{digit}" for digit in range(1, 10)),
}


def windows_name_problem(name: str) -> str | None:
    if WINDOWS_FORBIDDEN.intersection(name):
        return "has a character Windows forbids"
    if name.endswith((".", " ")):
        return "ends with a dot or a space"
    if name.split(".")[0].upper() in WINDOWS_RESERVED:
        return "is a reserved device name"
    return None
