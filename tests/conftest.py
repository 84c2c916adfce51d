"""Fixtures: render the template, and one venv with the generated projects' dependencies."""

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import TEMPLATE_DIR, run, tool
from .postgres_cluster import start_cluster

Render = Callable[..., Path]


def pytest_configure(config: pytest.Config) -> None:
    """In the main process (not an xdist worker): one PostgreSQL cluster for every generated
    suite of the run, stopped when the run ends. Without PostgreSQL they skip its tests."""
    if hasattr(config, "workerinput") or os.environ.get("TEST_POSTGRES_URL"):
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = start_cluster(port)
    if cluster is not None:
        os.environ["TEST_POSTGRES_URL"] = cluster.url  # the xdist workers inherit it
        config.add_cleanup(cluster.stop)


@pytest.fixture
def render(cookies: object) -> Render:
    """Render with the given answers (no install, no test run unless asked); return the project."""

    def render_project(**answers: object) -> Path:
        answers.setdefault("post_generation_setup", "skip")
        result = cookies.bake(  # type: ignore[attr-defined]
            template=str(TEMPLATE_DIR), extra_context=answers
        )
        assert result.exit_code == 0, result.exception
        return Path(result.project_path)

    return render_project


def install_project_dependencies(project: Path, venv: Path, python: str) -> Path:
    """A venv at `venv` with `project`'s dependencies and dev extra (not the project itself)."""
    created = run([tool("uv"), "venv", "--quiet", "--python", python, str(venv)], project)
    assert created.returncode == 0, created.stderr
    python_in_venv = venv / "bin" / "python"
    installed = run(
        [
            tool("uv"),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python_in_venv),
            "-r",
            "pyproject.toml",
            "--extra",
            "dev",
        ],
        project,
    )
    assert installed.returncode == 0, installed.stderr
    return python_in_venv


@pytest.fixture(scope="session")
def project_python(cookies_session: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a shared venv holding what every generated project needs, installed once."""
    result = cookies_session.bake(  # type: ignore[attr-defined]
        template=str(TEMPLATE_DIR), extra_context={"post_generation_setup": "skip"}
    )
    assert result.exit_code == 0, result.exception
    venv = tmp_path_factory.mktemp("shared") / "venv"
    return install_project_dependencies(Path(result.project_path), venv, sys.executable)


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for all renders: the libraries are analysed once, not once per project."""
    return tmp_path_factory.mktemp("mypy-cache")
