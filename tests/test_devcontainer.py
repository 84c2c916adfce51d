"""The generated devcontainer: no Docker here, so check its JSON and run its setup script."""

import json
import os
from pathlib import Path

from .conftest import Render
from .helpers import TOOLS_BIN, run


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


def test_setup_script_installs_the_project_and_can_run_again(render: Render) -> None:
    project = render()
    (project / ".env").unlink()  # a fresh clone has no .env
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}

    first = run(["bash", ".devcontainer/setup.sh"], project, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    (project / ".env").write_text("OPENAI_API_KEY=set-by-the-user\n")
    second = run(["bash", ".devcontainer/setup.sh"], project, env=env)

    assert second.returncode == 0, second.stdout + second.stderr
    assert "Created .env" in first.stdout and "Created .env" not in second.stdout
    assert (project / "users.db").exists(), "the setup script creates the service's database"
    assert "Create the first user with:" in first.stdout
    assert (project / ".env").read_text() == "OPENAI_API_KEY=set-by-the-user\n"
    tools = run(
        [str(project / ".venv" / "bin" / "python"), "-c", "import weather_agent, pytest, ruff"],
        project,
    )
    assert tools.returncode == 0, tools.stderr
    hooks = Path(project / ".git" / "hooks" / "pre-commit")
    assert hooks.exists(), "pre-commit hooks are installed in a git checkout"
