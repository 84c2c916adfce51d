"""The generated project's own test suite passes, for every credential scheme and Python."""

import os
from pathlib import Path

import pytest

from .conftest import Render, install_project_dependencies
from .helpers import AUTH_SCHEMES, QUESTIONS, run

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


@pytest.mark.parametrize(
    "answers",
    [{"weather_api_auth": scheme} for scheme in AUTH_SCHEMES] + [{"service": "none"}],
    ids=[*AUTH_SCHEMES, "service=none"],
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
