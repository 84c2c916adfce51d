"""README's generate command, as a user runs it: render, install, and the project's tests pass.

No OPENAI_API_KEY and no internet beyond the package index are needed.
"""

import os
import time
from pathlib import Path

import pytest

from .helpers import GENERATE_COMMAND, TEMPLATE_DIR, TOOLS_BIN, run, tool

CONFIG_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "WEATHER_API_KEY", "WEATHER_OPENAPI_URL")


def user_env(with_uv: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env["TEMPLATE_SETUP_STRICT"] = "1"  # a failed setup step must fail this test
    path = [part for part in env["PATH"].split(os.pathsep) if not (Path(part) / "uv").exists()]
    env["PATH"] = os.pathsep.join([str(TOOLS_BIN), *path] if with_uv else path)
    return env


@pytest.mark.parametrize("with_uv", [True, False], ids=["uv", "pip"])
def test_generate_command_gives_a_tested_project(tmp_path: Path, with_uv: bool) -> None:
    env = user_env(with_uv)
    started = time.monotonic()

    program, _ = GENERATE_COMMAND.split()
    generated = run([tool(program), str(TEMPLATE_DIR), "--no-input"], tmp_path, env=env)

    elapsed = time.monotonic() - started
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output[-6000:]
    assert "-> run the tests" in output and "FAILED" not in output
    assert ("install the project (uv)" in output) is with_uv
    print(f"render + install + tests ({'uv' if with_uv else 'pip'}): {elapsed:.1f} s")

    project = tmp_path / "weather_agent"
    again = run([str(project / ".venv" / "bin" / "pytest"), "-q"], project, env=env)
    assert again.returncode == 0, again.stdout[-6000:]
    assert " passed" in again.stdout
