"""The database schema, managed by Alembic migrations (migrations/versions/, one file a change).

`{{ cookiecutter.project_slug }} db upgrade` brings a database to the latest revision;
`{{ cookiecutter.project_slug }} db revision -m "..."` writes a new migration from the difference
between models.py and the database. The service and the `users` commands refuse a database whose
schema is not the latest, naming the command to run, rather than failing later on a missing column.
"""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect

from .models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision that creates the tables the service had before it had migrations, and those tables.
INITIAL_REVISION = "0001"
INITIAL_TABLES = ("users", "login_sessions", "login_throttle")
UPGRADE_COMMAND = "{{ cookiecutter.project_slug }} db upgrade"


class SchemaError(RuntimeError):
    """The database's schema cannot be used (or adopted) as it is; the message says what to do."""


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # New revisions pass the project's own checks as they are written (ruff is a dev tool).
    config.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
    for hook, arguments in (("ruff_fix", "check --fix"), ("ruff_format", "format")):
        config.set_section_option("post_write_hooks", f"{hook}.type", "module")
        config.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
        config.set_section_option(
            "post_write_hooks", f"{hook}.options", f"{arguments} REVISION_SCRIPT_FILENAME"
        )
    config.attributes["connection"] = connection  # read by migrations/env.py
    return config


def schema_problem(engine: Engine) -> str | None:
    """Why the database is not at the latest revision, or None when it is."""
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    latest = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    if current == latest:
        return None
    at = ", ".join(sorted(current)) or "no revision"
    return (
        f"the database schema is not up to date (at {at}, the code needs "
        f"{', '.join(sorted(latest))}): run `{UPGRADE_COMMAND}`"
    )


def check_schema(engine: Engine) -> None:
    problem = schema_problem(engine)
    if problem:
        raise SchemaError(problem)


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest revision, adopting one made before migrations existed."""
    with engine.begin() as connection:
        config = _config(connection)
        if _made_before_migrations(connection):
            differences = compare_metadata(MigrationContext.configure(connection), initial_tables())
            if differences:
                raise SchemaError(
                    "the database has tables but no migration history, and they differ from "
                    f"revision {INITIAL_REVISION} ({len(differences)} differences): back it up, "
                    "then migrate its data into a new database"
                )
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, "head")


def new_revision(engine: Engine, message: str) -> Path:
    """Write a migration for what models.py has and the (upgraded) database has not."""
    check_schema(engine)
    number = len(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions())) + 1
    with engine.begin() as connection:
        script = command.revision(
            _config(connection), message=message, autogenerate=True, rev_id=f"{number:04d}"
        )
    if script is None or isinstance(script, list):
        raise SchemaError("no migration was written")
    return Path(script.path)


def initial_tables() -> MetaData:
    """The tables as revision INITIAL_REVISION made them (later revisions add tables beside them)."""
    initial = MetaData()
    for name in INITIAL_TABLES:
        Base.metadata.tables[name].to_metadata(initial)
    return initial


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and "users" in tables
