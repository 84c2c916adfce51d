"""Service fixtures: the real app on a real database (SQLite, or PostgreSQL for the tests that
take both), real password hashing, real JWTs."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.registry import WorkflowFunction, workflow
from {{ cookiecutter.project_slug }}.service.accounts import create_user
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.service.models import User
from {{ cookiecutter.project_slug }}.service.schema import upgrade
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, SIGNING_KEY, MakeUser
from ..utils.postgres import PostgresServer, PostgresUnavailable, postgres_server
from ..utils.workflows import AddWorkflow, unregister


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file brought to the latest schema by the migrations, once; tests get copies."""
    path = tmp_path_factory.mktemp("schema") / "users.db"
    engine = open_database(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (each test gets its own database on it)."""
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))


# Tests of what the database does (tokens, throttling, migrations, ...) take both, marked with
# BOTH_DATABASES (tests/utils/postgres.py); the others run on SQLite only.
@pytest.fixture
def database() -> str:
    return "sqlite"


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, database: str, tmp_path: Path) -> str:
    """A new database without tables."""
    if database == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.new_database(migrated=False)
    return f"sqlite:///{tmp_path / 'new.db'}"


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database: str, tmp_path: Path, migrated_database: Path
) -> str:
    """A new database with the latest schema."""
    if database == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.new_database(migrated=True)
    copy = tmp_path / "users.db"
    shutil.copy(migrated_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The autouse clean_environment fixture runs in an empty folder: no .env is read.
    return Settings(
        environment="production",
        enable_docs=True,
        jwt_secret_key=SecretStr(SIGNING_KEY),
        database_url=database_url,
        login_max_failures=3,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.engine.dispose()  # its connections to a PostgreSQL server end with the test


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
def add_workflow() -> Iterator[AddWorkflow]:
    """Register workflows for one test (before its app is created); removed after it."""
    added: list[str] = []

    def add(name: str, function: WorkflowFunction, roles: tuple[str, ...]) -> None:
        workflow(name=name, description=name, roles=roles)(function)
        added.append(name)

    yield add
    for name in added:
        unregister(name)
