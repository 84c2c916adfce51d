"""The database: SQLite file by default, any SQLAlchemy DATABASE_URL otherwise."""

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session


def sqlite_file(database_url: str) -> Path | None:
    """The file an SQLite URL names; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_private_file(path: Path) -> None:
    """Create the file readable by its owner only (password hashes live in it), and its folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL: an existing database keeps its mode; SQLite gives its journal files the same one.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def open_database(database_url: str) -> Engine:
    """Connect (creating an SQLite file owner-only); the tables come from schema.py's migrations."""
    path = sqlite_file(database_url)
    if path is not None:
        create_private_file(path)
    connect_args = {"check_same_thread": False} if database_url.startswith("sqlite") else {}
    return create_engine(database_url, connect_args=connect_args)


def sessions(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
