"""README's generate command, as a user runs it: render, install, and the project's tests pass.

No OPENAI_API_KEY and no internet beyond the package index are needed.
"""

import os
import time
from pathlib import Path

import pytest

from .helpers import GENERATE_COMMAND, TEMPLATE_DIR, TOOLS_BIN, run, tool

# Unset in a user's shell: project settings, and this sandbox's PYTHONDONTWRITEBYTECODE.
UNSET_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "WEATHER_API_KEY",
    "WEATHER_OPENAPI_URL",
    "PYTHONDONTWRITEBYTECODE",
)


INSTALLERS = {
    # installer: (uv on PATH, pip may fetch uv, what the hook prints for the install)
    "uv": (True, True, "install the project (uv)"),
    "fetched-uv": (False, True, "install the project (uv)"),
    "pip": (False, False, "install the project (pip)"),
}


def user_env(tmp_path: Path, uv_on_path: bool, uv_fetchable: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET_VARIABLES}
    env["TEMPLATE_SETUP_STRICT"] = "1"  # a failed setup step must fail this test
    env["TMPDIR"] = str(tmp_path / "tmp")  # to see that the hook cleans up after itself
    (tmp_path / "tmp").mkdir()
    path = [part for part in env["PATH"].split(os.pathsep) if not (Path(part) / "uv").exists()]
    env["PATH"] = os.pathsep.join([str(TOOLS_BIN), *path] if uv_on_path else path)
    if not uv_fetchable:
        # No release of uv satisfies this: as if PyPI had no uv for this machine.
        constraints = tmp_path / "no-uv.txt"
        constraints.write_text("uv==0.0.0\n")
        env["PIP_CONSTRAINT"] = str(constraints)
    return env


@pytest.mark.parametrize("installer", INSTALLERS)
def test_generate_command_gives_a_tested_project(tmp_path: Path, installer: str) -> None:
    uv_on_path, uv_fetchable, install_step = INSTALLERS[installer]
    env = user_env(tmp_path, uv_on_path, uv_fetchable)
    started = time.monotonic()

    program, _ = GENERATE_COMMAND.split()
    generated = run([tool(program), str(TEMPLATE_DIR), "--no-input"], tmp_path, env=env)

    elapsed = time.monotonic() - started
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output[-6000:]
    assert "-> run the smoke tests" in output and "FAILED" not in output
    assert f"-> {install_step}" in output
    assert ("-> fetch uv" in output) is not uv_on_path
    assert ("could not fetch uv" in output) is not uv_fetchable
    print(f"render + install + tests ({installer}): {elapsed:.1f} s")

    project = tmp_path / "weather_agent"
    assert not list((tmp_path / "tmp").glob("uv-for-setup-*")), "the fetched uv was left behind"
    again = run([str(project / ".venv" / "bin" / "pytest"), "-q"], project, env=env)
    assert again.returncode == 0, again.stdout[-6000:]
    assert " passed" in again.stdout
