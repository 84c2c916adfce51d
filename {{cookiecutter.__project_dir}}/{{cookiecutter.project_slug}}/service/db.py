"""The database: SQLite file by default, PostgreSQL (or any SQLAlchemy DATABASE_URL) otherwise.

Every process (uvicorn worker, instance) has its own connection pool, sized by settings. SQLite
runs in WAL mode with a busy timeout, so several local processes share the file: readers never
wait for the writer, and a writer waits its turn instead of failing with "database is locked".
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

from ..settings import Settings

# How long an SQLite write waits for another process's write to finish before it fails: writes
# here are a handful of rows, so a longer wait means something is stuck.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def sqlite_file(database_url: str) -> Path | None:
    """The file an SQLite URL names; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_private_file(path: Path) -> None:
    """Create the file readable by its owner only (password hashes live in it), and its folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL: an existing database keeps its mode; SQLite gives its WAL files the same one.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _share_the_sqlite_file(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")  # first: WAL needs a lock
    cursor.execute("PRAGMA journal_mode = WAL")  # stored in the file; cheap once it is set
    cursor.close()


def open_database(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout_seconds: float = 30,
) -> Engine:
    """Connect (creating an SQLite file owner-only); the tables come from schema.py's migrations.

    A process keeps `pool_size` connections, opens up to `max_overflow` more when busy, and a
    request waits `pool_timeout_seconds` for one before it fails (SQLAlchemy's defaults; the
    service passes its DATABASE_POOL_* settings).
    """
    path = sqlite_file(database_url)
    if path is not None:
        create_private_file(path)
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False} if path is not None else {},
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_seconds,
        # A connection the server dropped (a restart, a failover, an idle timeout) is replaced
        # before a request gets it, instead of failing that request.
        pool_pre_ping=True,
    )
    if path is not None:
        event.listen(engine, "connect", _share_the_sqlite_file)
    return engine


def open_configured_database(settings: Settings) -> Engine:
    return open_database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout_seconds=settings.database_pool_timeout_seconds,
    )


def sessions(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
