"""The schema comes from Alembic migrations: they match the models, and nothing runs on a database
whose schema is older than the code."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, Table, insert, inspect, text

from {{ cookiecutter.project_slug }}.cli import main
from {{ cookiecutter.project_slug }}.service import schema
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.service.models import Base, User
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.postgres import BOTH_DATABASES

pytestmark = BOTH_DATABASES

UPGRADE_HINT = "run `{{ cookiecutter.project_slug }} db upgrade`"


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    """A new, empty database."""
    engine = open_database(empty_database_url)
    yield engine
    engine.dispose()


def test_the_migrations_build_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    schema.upgrade(engine)

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert schema.schema_problem(engine) is None


def test_the_service_refuses_to_start_on_a_database_that_was_never_upgraded(
    settings: Settings, empty_database_url: str
) -> None:
    new = Settings(**{**dict(settings), "database_url": empty_database_url})

    with pytest.raises(schema.SchemaError, match=UPGRADE_HINT):
        create_app(new)


def test_users_commands_refuse_a_database_that_was_never_upgraded(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)

    assert main(["users", "list"]) == 1
    assert UPGRADE_HINT in capsys.readouterr().err


def test_db_upgrade_adopts_a_database_made_before_migrations_and_keeps_its_users(
    engine: Engine,
) -> None:
    schema.initial_tables().create_all(engine)  # how the service made them before migrations
    with engine.begin() as connection:
        connection.execute(insert(User).values(public_id="p1", username="alice", password_hash="h"))

    schema.upgrade(engine)

    assert schema.schema_problem(engine) is None
    with engine.connect() as connection:
        assert connection.execute(text("SELECT username FROM users")).scalars().all() == ["alice"]


def test_db_upgrade_refuses_to_adopt_tables_that_differ_from_the_first_migration(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))

    with pytest.raises(schema.SchemaError, match="differ from revision 0001"):
        schema.upgrade(engine)

    assert inspect(engine).get_table_names() == ["users"]  # left as it was


def test_db_revision_writes_a_migration_for_a_new_table_that_db_upgrade_applies(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations)
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    schema.upgrade(engine)
    notes = Table("notes", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        written = schema.new_revision(engine, "add notes")
    finally:
        Base.metadata.remove(notes)

    number = f"{len(list((migrations / 'versions').glob('0*.py'))):04d}"  # this one included
    assert written.name == f"{number}_add_notes.py"
    assert 'op.create_table(\n        "notes",' in written.read_text()  # formatted by ruff
    assert f"the code needs {number}" in (schema.schema_problem(engine) or "")
    schema.upgrade(engine)
    assert "notes" in inspect(engine).get_table_names()
