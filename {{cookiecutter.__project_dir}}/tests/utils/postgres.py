"""A PostgreSQL server for the tests: a throwaway cluster from the system's binaries (Debian's
`postgresql` package), or the server TEST_POSTGRES_URL names. Each test gets a database of its own.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.service.schema import upgrade

from .loopback import free_port

# `pytestmark = BOTH_DATABASES`: every test of the module runs on SQLite and on PostgreSQL.
BOTH_DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgres"])
# Where Debian and Ubuntu (GitHub's runners too) put the server's programs, off the PATH.
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
# initdb refuses to run as root: the cluster then runs as this user.
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT_SECONDS = 30
# Tests run in parallel and each app keeps a pool: far more than the default 100 connections.
MAX_CONNECTIONS = 500


class PostgresUnavailable(Exception):
    """Neither a PostgreSQL server to start nor TEST_POSTGRES_URL: the message says which."""


@dataclass
class PostgresServer:
    admin_url: str  # a SQLAlchemy URL (postgresql+psycopg://...) with rights to create databases
    _template: str | None = None
    _created: list[str] = field(default_factory=list)

    def new_database(self, *, migrated: bool) -> str:
        """The URL of a new database: empty, or with the latest schema (copied from a template
        migrated once, which costs milliseconds where migrating costs a second)."""
        if migrated and self._template is None:
            self._template = self._create(template=None)
            engine = open_database(self._url_of(self._template))
            upgrade(engine)
            engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
        return self._url_of(self._create(template=self._template if migrated else None))

    def drop_databases(self) -> None:
        """Drop every database this object created (a shared server keeps no leftovers)."""
        self._run(*(f'DROP DATABASE "{name}" WITH (FORCE)' for name in reversed(self._created)))

    def _create(self, template: str | None) -> str:
        name = f"test_{uuid.uuid4().hex[:16]}"  # unique across parallel workers sharing a server
        copy = f' TEMPLATE "{template}"' if template else ""
        self._run(f'CREATE DATABASE "{name}"{copy}')
        self._created.append(name)
        return name

    def _url_of(self, database: str) -> str:
        url = make_url(self.admin_url).set(database=database)
        return url.render_as_string(hide_password=False)

    def _run(self, *statements: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()


def _binaries() -> Path:
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    # The newest major version (a folder name: "15", "16").
    installed = sorted(
        Path("/").glob(DEBIAN_BINARIES.lstrip("/")), key=lambda path: int(path.parent.name)
    )
    if not installed:
        raise PostgresUnavailable(
            "PostgreSQL tests skipped: no initdb (install Debian's postgresql) and no TEST_POSTGRES_URL"
        )
    return installed[-1]


@contextlib.contextmanager
def _cluster() -> Iterator[str]:
    """A new cluster on a free loopback port, as an unprivileged user; removed afterwards."""
    binaries = _binaries()
    user: str | None = None
    parent: str | None = None
    if os.geteuid() == 0:
        user = UNPRIVILEGED_USER
        # That user must reach the cluster's folder: a root-private TMPDIR will not do.
        parent = "/tmp"  # noqa: S108
    folder = Path(tempfile.mkdtemp(prefix="postgres-", dir=parent))
    if user:
        account = pwd.getpwnam(user)
        os.chown(folder, account.pw_uid, account.pw_gid)

    def run(*arguments: str) -> None:
        group = pwd.getpwnam(user).pw_gid if user else None
        subprocess.run(
            arguments,
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_SECONDS,
            user=user,
            group=group,
            extra_groups=[] if user else None,
        )

    data = folder / "data"
    port = free_port()
    # Durability is no concern for a throwaway cluster: without fsync it starts and works faster.
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        f"-c max_connections={MAX_CONNECTIONS} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off"
    )
    initdb, pg_ctl = str(binaries / "initdb"), str(binaries / "pg_ctl")
    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
        run(pg_ctl, "-D", str(data), "-w", "-l", str(folder / "log"), "-o", options, "start")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """TEST_POSTGRES_URL's server when it is set, else a throwaway cluster; PostgresUnavailable
    when neither can be had."""
    shared = os.environ.get("TEST_POSTGRES_URL")
    if not shared:
        with _cluster() as admin_url:
            yield PostgresServer(admin_url)  # the databases go with the cluster
        return
    url = make_url(shared).set(drivername="postgresql+psycopg")
    server = PostgresServer(url.render_as_string(hide_password=False))
    try:
        yield server
    finally:
        server.drop_databases()
