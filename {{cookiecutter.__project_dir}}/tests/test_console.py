"""`fastagency run`, as a user or a script runs it from a terminal."""

import pytest

from .utils.processes import PROJECT_ROOT, run_python

MAIN_MODULE = PROJECT_ROOT / "{{ cookiecutter.project_slug }}" / "main.py"


@pytest.mark.smoke
@pytest.mark.slow
def test_console_run_with_a_missing_setting_fails_with_one_line_and_no_noise() -> None:
    # clean_environment (conftest) leaves OPENAI_API_KEY unset and no .env in the working folder.
    run = run_python("-m", "fastagency", "run", str(MAIN_MODULE), "--single-run", stdin="")

    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "OPENAI_API_KEY is not set: put it in .env or the environment (see .env.example)"
    ]
