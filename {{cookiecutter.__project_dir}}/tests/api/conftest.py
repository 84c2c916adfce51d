"""Service fixtures: the real app on a real SQLite file, real password hashing, real JWTs."""

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }} import workflows
from {{ cookiecutter.project_slug }}.api.app import create_app
from {{ cookiecutter.project_slug }}.api.users import User, create_user
from {{ cookiecutter.project_slug }}.settings import Settings

from ..conftest import run_python

SIGNING_KEY = "test-signing-key-that-is-long-enough-0123456789"  # pragma: allowlist secret
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret

MakeUser = Callable[..., User]
WorkflowFunction = Callable[[Any, dict[str, Any]], str]  # (ui, params) -> result
AddWorkflow = Callable[[str, WorkflowFunction, tuple[str, ...]], None]  # name, function, roles


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The autouse clean_environment fixture runs in an empty folder: no .env is read.
    return Settings(
        environment="production",
        enable_docs=True,
        jwt_secret_key=SecretStr(SIGNING_KEY),
        database_url=f"sqlite:///{tmp_path / 'users.db'}",
        login_max_failures=3,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    with Session(app.state.engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make_user(db: Session, settings: Settings) -> MakeUser:
    def make(username: str = "alice", password: str = PASSWORD, role: str = "user") -> User:
        return create_user(
            db, username, password, role=role, min_length=settings.password_min_length
        )

    return make


@pytest.fixture
def add_workflow(monkeypatch: pytest.MonkeyPatch) -> Iterator[AddWorkflow]:
    """Register workflows for one test (before its app is created); removed after it."""
    added: list[str] = []

    def add(name: str, function: WorkflowFunction, roles: tuple[str, ...]) -> None:
        workflows.wf.register(name=name, description=name)(function)
        monkeypatch.setitem(workflows.WORKFLOW_ROLES, name, roles)
        added.append(name)

    yield add
    for name in added:
        workflows.wf._workflows.pop(name)  # Workflow has no public way to unregister


def login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> Any:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
