"""The generated devcontainer: no Docker here, so check its JSON and run its setup script."""

import json
import os
import shutil
import sys
from pathlib import Path

from .conftest import Render
from .helpers import TOOLS_BIN, run
from .template_versions import changed_paths, commit_generated_project


def test_devcontainer_runs_the_setup_script_it_ships(render: Render) -> None:
    project = render()

    config = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())

    assert config["postCreateCommand"] == "bash .devcontainer/setup.sh"
    assert (project / ".devcontainer" / "setup.sh").is_file()
    assert "OPENAI_API_KEY" in config["secrets"]
    assert config["forwardPorts"] == [8000]  # the service's port


def test_console_only_devcontainer_forwards_no_port(render: Render) -> None:
    project = render(service="none")

    config = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())

    assert "forwardPorts" not in config


def setup_script(project: Path, env: dict[str, str]) -> str:
    result = run(["bash", ".devcontainer/setup.sh"], project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def signing_key(project: Path) -> str:
    (line,) = [
        line
        for line in (project / ".env").read_text().splitlines()
        if line.startswith("JWT_SECRET_KEY=")
    ]
    return line.removeprefix("JWT_SECRET_KEY=")


def test_setup_script_makes_a_signing_key_once_and_hooks_after_the_first_commit(
    render: Render,
) -> None:
    project = render()
    (project / ".env").unlink()  # a fresh clone has no .env
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}

    first = setup_script(project, env)

    key = signing_key(project)
    assert len(key) >= 48, "tokens would die with each restart of the service"
    assert "Created .env" in first and "Database ready" in first
    # Before any commit: no hooks yet (they would block the first commit), and it says when.
    assert not (project / ".git" / "hooks" / "pre-commit").exists()
    assert ".venv/bin/pre-commit install" in first
    databases = [path for path in project.rglob("*.db") if ".venv" not in path.parts]
    assert databases, "the setup script creates the service's database"
    for database in databases:
        ignored = run(["git", "check-ignore", "--quiet", str(database)], project)
        assert ignored.returncode == 0, f"{database} is not git-ignored"
    tools = run(
        [str(project / ".venv" / "bin" / "python"), "-c", "import weather_agent, pytest, ruff"],
        project,
    )
    assert tools.returncode == 0, tools.stderr
    assert "uv = " in (project / ".venv" / "pyvenv.cfg").read_text(), "installed without uv"

    commit_generated_project(project)
    second = setup_script(project, env)

    assert "Created .env" not in second
    assert signing_key(project) == key
    assert (project / ".git" / "hooks" / "pre-commit").exists()
    assert changed_paths(project) == set()


def test_setup_script_installs_uv_when_the_image_has_none(render: Render, tmp_path: Path) -> None:
    project = render(service="none")
    # The Python this venv was made from stands in for the image's: outside any venv, so pip
    # can install for the user (into a folder of the test's own).
    programs = tmp_path / "bin"
    programs.mkdir()
    for name in ("bash", "git", "grep", "sed", "dirname", "cp"):
        (programs / name).symlink_to(shutil.which(name) or f"/usr/bin/{name}")
    (programs / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    user_base = tmp_path / "user"
    env = {
        **os.environ,
        "PATH": str(programs),
        "PYTHONUSERBASE": str(user_base),
        # A distribution's Python refuses user installs that the image's allows.
        "PIP_BREAK_SYSTEM_PACKAGES": "1",
    }

    setup_script(project, env)

    assert (user_base / "bin" / "uv").is_file()
    assert "uv = " in (project / ".venv" / "pyvenv.cfg").read_text()
    imported = run([str(project / ".venv" / "bin" / "python"), "-c", "import pytest"], project)
    assert imported.returncode == 0, imported.stderr
