"""Alembic's entry point, run by schema.py with an open connection (there is no alembic.ini)."""

from alembic import context

from {{ cookiecutter.project_slug }}.service.models import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    # SQLite cannot alter most of a table in place: batch operations copy it instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
