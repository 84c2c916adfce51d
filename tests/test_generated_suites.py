"""The generated project's own test suite passes: with and without the service, on every
Python, and for the first push, the way the generated CI runs it."""

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import Render, install_project_dependencies
from .helpers import QUESTIONS, TEMPLATE_DIR, run, tool

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
# Every Python the python_version question offers, besides the 3.11 the shared venv uses.
OTHER_PYTHONS = [version for version in QUESTIONS["python_version"] if version != "3.11"]


def run_generated_tests(project: Path, python: Path) -> str:
    # One process per suite (-n 0): these suites already run side by side. Bytecode is written,
    # as on a user's machine, so a shared venv compiles its imports once, not in every process.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
    result = run(command, project, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout


# The credential scheme answer only writes WEATHER_API_AUTH's default to .env (test_render.py
# checks that no code or test differs); each suite tests every scheme, chosen in the environment.
@pytest.mark.parametrize(
    "answers",
    [{}, {"service": "none"}],
    ids=["default", "service=none"],
)
def test_generated_suite_passes(
    render: Render, project_python: Path, answers: dict[str, str]
) -> None:
    project = render(**answers)

    output = run_generated_tests(project, project_python)

    assert " passed" in output and "skipped" not in output


def installed_python(version: str) -> Path | None:
    matches = sorted(PYENV_ROOT.glob(f"versions/{version}.*/bin/python{version}"))
    return matches[-1] if matches else None


@pytest.mark.parametrize("version", OTHER_PYTHONS)
def test_project_works_on_python_version(render: Render, tmp_path: Path, version: str) -> None:
    interpreter = installed_python(version)
    if interpreter is None:
        pytest.skip(f"Python {version} is not installed under {PYENV_ROOT}/versions")
    project = render(python_version=version, weather_api_auth="oauth2_password")
    python = install_project_dependencies(project, tmp_path / "venv", str(interpreter))

    version_check = run([str(python), "-c", "import sys; print(sys.version)"], project)
    assert version_check.stdout.startswith(version)
    run_generated_tests(project, python)


# The first push, end to end, for the default project and the console-only one: generate (which
# writes uv.lock), commit everything through the pre-commit hooks, clone that commit, then run the
# generated workflow's own commands (install from uv.lock, the full suite with its static checks)
# and pre-commit on every file, with a bare PATH. A fresh clone holds only what git tracks, and
# `git add -A` adds files that the suites above, run in an uncommitted folder, never showed to a
# tracked-files-only check. Each run installs its own venv (from uv's shared cache).
FIRST_PUSH_ANSWERS = {"default": {}, "service=none": {"service": "none"}}
# A bare PATH, as a git panel or CI runner has: no activated venv, no tools from this checkout.
SYSTEM_PATH = "/usr/bin:/bin"
# Unset in a user's shell or on a CI runner: project settings, a venv this test runs in, and
# this sandbox's PYTHONDONTWRITEBYTECODE.
NOT_IN_CI = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "First Push",
    "GIT_AUTHOR_EMAIL": "first.push@example.com",
    "GIT_COMMITTER_NAME": "First Push",
    "GIT_COMMITTER_EMAIL": "first.push@example.com",
}


def clean_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_IN_CI}
    return {**env, **GIT_IDENTITY, **overrides}


def generate(output: Path, answers: dict[str, str]) -> Path:
    """The generate command with setup (venv, uv.lock, install), uv on PATH, no test run."""
    env = clean_env(PATH=os.pathsep.join([str(Path(tool("uv")).parent), os.environ["PATH"]]))
    arguments = [f"{key}={value}" for key, value in answers.items()]
    command = [tool("cookiecutter"), "--no-input", "-o", str(output), str(TEMPLATE_DIR)]
    generated = run([*command, "post_generation_setup=install_only", *arguments], output, env=env)
    assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
    (project,) = output.iterdir()
    return project


def git(project: Path, *arguments: str) -> str:
    result = run(["git", *arguments], project, env=clean_env())
    assert result.returncode == 0, result.stderr
    return result.stdout


def ci_steps(project: Path) -> tuple[dict[str, Any], list[str]]:
    """The generated workflow's setup-uv inputs, and its shell commands in order."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "test.yml").read_text())
    job = workflow["jobs"]["test"]  # a service's workflow also has an "image" job
    (setup_uv,) = [step for step in job["steps"] if step.get("uses", "").startswith("astral-sh/")]
    return setup_uv["with"], [step["run"] for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("answers", FIRST_PUSH_ANSWERS.values(), ids=FIRST_PUSH_ANSWERS)
def test_first_push_passes_in_a_fresh_clone_as_the_generated_ci_runs_it(
    tmp_path: Path, answers: dict[str, str]
) -> None:
    (tmp_path / "generated").mkdir()
    project = generate(tmp_path / "generated", answers)
    # The first commit goes through the hooks, as from an editor's git panel: no venv on PATH.
    hooks_env = clean_env(PATH=SYSTEM_PATH, PRE_COMMIT_HOME=str(tmp_path / "pre-commit"))
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    assert run([pre_commit, "install"], project, env=hooks_env).returncode == 0
    git(project, "add", "-A")
    committed = run(["git", "commit", "--quiet", "-m", "Initial commit"], project, env=hooks_env)
    assert committed.returncode == 0, committed.stdout[-6000:] + committed.stderr[-3000:]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(project), str(clone))
    setup_uv, commands = ci_steps(clone)
    # The runner: uv from setup-uv (alone on PATH here), the project's Python, nothing else.
    uv_only = tmp_path / "uv-only"
    uv_only.mkdir()
    (uv_only / "uv").symlink_to(tool("uv"))
    runner = clean_env(
        PATH=f"{uv_only}{os.pathsep}{SYSTEM_PATH}", UV_PYTHON=setup_uv["python-version"]
    )

    install, *tests = commands
    assert f"\n{install}\n" in (clone / "README.md").read_text(), "README installs differently"
    installed = run(["bash", "-c", install], clone, env=runner)
    assert installed.returncode == 0, installed.stderr[-3000:]
    for command in tests:
        tested = run(["bash", "-c", command], clone, env=runner)
        assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-3000:]
        assert " passed" in tested.stdout and "skipped" not in tested.stdout, tested.stdout
    hooks = run(
        [str(clone / ".venv" / "bin" / "pre-commit"), "run", "--all-files"], clone, env=hooks_env
    )
    assert hooks.returncode == 0, hooks.stdout[-6000:] + hooks.stderr[-3000:]
    assert git(clone, "status", "--porcelain") == "", "pre-commit changed committed files"
