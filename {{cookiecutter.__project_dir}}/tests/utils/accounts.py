"""Users for the service's tests: a password, a signing key, signing in, and the console command."""

import subprocess
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.service.models import User

from .processes import run_python

SIGNING_KEY = "test-signing-key-that-is-long-enough-0123456789"  # pragma: allowlist secret
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret

MakeUser = Callable[..., User]


def sign_in(client: TestClient, username: str = "alice", password: str = PASSWORD) -> Any:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upgrade_database_from_shell(env: dict[str, str] | None = None) -> None:
    """`{{ cookiecutter.project_slug }} db upgrade` in a new process: the schema a new database needs."""
    upgraded = run_python("-m", "{{ cookiecutter.project_slug }}.cli", "db", "upgrade", stdin="", env=env)
    assert upgraded.returncode == 0, upgraded.stderr


def create_user_from_shell(
    username: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`{{ cookiecutter.project_slug }} users create NAME` in a new process, the password piped in."""
    # One argument a line (the trailing comma keeps it so), whatever the slug's length.
    return run_python(
        "-m",
        "{{ cookiecutter.project_slug }}.cli",
        "users",
        "create",
        username,
        stdin=f"{PASSWORD}\n",
        env=env,
    )
