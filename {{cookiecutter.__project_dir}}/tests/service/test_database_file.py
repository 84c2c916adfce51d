"""The user database is private: outside the project root by default, owner-only, git-ignored."""

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import create_user_from_shell, upgrade_database_from_shell
from ..utils.processes import PROJECT_ROOT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Files created with the process's umask alone would be readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_console_script_creates_the_default_database_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the default; tmp_path is the working dir
    upgrade_database_from_shell()
    created = create_user_from_shell("erin")

    assert created.returncode == 0, created.stderr
    database = tmp_path / "data" / "users.db"
    assert Settings().database_url == "sqlite:///data/users.db"
    assert not (tmp_path / "users.db").exists()
    assert mode(database.parent) == 0o700
    assert mode(database) == 0o600


def test_default_database_folder_is_git_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_bytes((PROJECT_ROOT / ".gitignore").read_bytes())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)  # noqa: S607

    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/users.db"],  # noqa: S607
        cwd=tmp_path,
        check=False,
    )

    assert ignored.returncode == 0
