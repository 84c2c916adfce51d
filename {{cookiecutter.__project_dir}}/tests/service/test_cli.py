"""`{{ cookiecutter.project_slug }} users ...`: accounts managed from a shell, passwords never on argv."""

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.cli import main
from {{ cookiecutter.project_slug }}.service.accounts import get_user
from {{ cookiecutter.project_slug }}.service.auth.passwords import verify_password

from ..utils.accounts import (
    PASSWORD,
    bearer,
    create_user_from_shell,
    sign_in,
    upgrade_database_from_shell,
)

UsersCLI = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> UsersCLI:
    """The CLI in this process (fast); standard input is a pipe, as in a script."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    assert main(["db", "upgrade"]) == 0

    def run_cli(*arguments: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO("" if password is None else f"{password}\n"))
        try:
            code = main(["users", *arguments])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(arguments, code, out, err)

    return run_cli


def test_console_script_reads_the_password_from_standard_input(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}
    upgrade_database_from_shell(env)
    created = create_user_from_shell("erin", env)

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created erin (user)"
    with Session(create_engine(f"sqlite:///{tmp_path / 'users.db'}")) as db:
        assert verify_password(PASSWORD, get_user(db, "erin").password_hash)[0]


def test_create_list_set_role_and_disable(run: UsersCLI) -> None:
    created = run("create", "bob", "--role", "admin", password=PASSWORD)
    assert created.returncode == 0, created.stderr
    assert run("set-role", "bob", "user").returncode == 0
    assert run("disable", "bob").returncode == 0

    listing = run("list")
    assert listing.stdout.strip() == "bob\tuser\tdisabled"
    assert PASSWORD not in created.stdout + created.stderr


def test_password_is_not_accepted_on_the_command_line(run: UsersCLI) -> None:
    refused = run("create", "bob", "--password", PASSWORD)

    assert refused.returncode == 2
    assert "unrecognized arguments" in refused.stderr
    assert run("list").stdout.strip() == ""


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "must have at least 8 characters"),
        ("password123", "is one of the most commonly used: choose another"),
    ],
)
def test_weak_password_is_refused_and_nothing_is_written(
    run: UsersCLI, password: str, message: str
) -> None:
    refused = run("create", "bob", password=password)

    assert refused.returncode == 1
    assert refused.stderr.strip() == f"error: password {message}"
    assert run("list").stdout.strip() == ""


def test_duplicate_and_unknown_users_are_clear_errors(run: UsersCLI) -> None:
    run("create", "bob", password=PASSWORD)

    duplicate = run("create", "bob", password=PASSWORD)
    unknown = run("disable", "nobody")

    assert (duplicate.returncode, duplicate.stderr.strip()) == (
        1,
        "error: user 'bob' already exists",
    )
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: no user named 'nobody'")
    assert run("list").stdout.strip() == "bob\tuser\tactive"


def test_reset_password_replaces_the_old_one(run: UsersCLI, tmp_path: Path) -> None:
    run("create", "bob", password=PASSWORD)

    reset = run("reset-password", "bob", password="another good passphrase")

    assert reset.returncode == 0, reset.stderr
    assert "sessions have ended" in reset.stdout
    with Session(create_engine(f"sqlite:///{tmp_path / 'users.db'}")) as db:
        stored = get_user(db, "bob").password_hash
    assert verify_password("another good passphrase", stored)[0]
    assert not verify_password(PASSWORD, stored)[0]


def test_a_deleted_and_recreated_account_does_not_inherit_the_old_sessions(
    run: UsersCLI, client: TestClient
) -> None:
    run("create", "alice", password=PASSWORD)  # the service's database: the same file
    old = sign_in(client)

    deleted = run("delete", "alice")
    run("create", "alice", password=PASSWORD)

    assert (deleted.returncode, deleted.stdout.strip()) == (
        0,
        "deleted alice; its sessions have ended",
    )
    assert client.get("/users/me", headers=bearer(old["access_token"])).status_code == 401
    refreshed = client.post("/token/refresh", json={"refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 401
    assert sign_in(client)["access_token"]  # the new alice signs in as herself
