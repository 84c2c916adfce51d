"""Two service processes on one SQLite file, each with its cache of session checks: a logout or a
disabled account ends access at once in the process that made the change, and within
AUTH_CACHE_SECONDS in the other, which had the session cached (and accepted it) until then.

The cache does not depend on the database (test_session_cache.py runs on both); two instances on
PostgreSQL honour a sign-out within the bound too (test_many_processes.py)."""

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.accounts import create_user
from {{ cookiecutter.project_slug }}.service.db import open_database

from ..utils.accounts import PASSWORD, bearer
from ..utils.loopback import free_port
from ..utils.processes import run_python
from ..utils.service_processes import (
    UvicornProcess,
    readme_serve_command,
    service_environment,
    serving,
    upgrade_schema,
)
from ..utils.websocket_client import token_for

pytestmark = pytest.mark.slow

# Longer than the default (1 s), so that the other process surely still has the session cached
# when the change is made, however slow the machine: the test shows the cache at work.
CACHE_SECONDS = 2.0
# Time for the request that notices the change, on a busy machine: the bound asserted is
# CACHE_SECONDS + MARGIN_SECONDS after the change was sent.
MARGIN_SECONDS = 1.0
POLL_SECONDS = 0.05
USERS = ["alice", "bob", "carol"]


@dataclass
class Instances:
    first: UvicornProcess
    second: UvicornProcess
    env: dict[str, str]


def add_users(database_url: str) -> None:
    engine = open_database(database_url)
    with Session(engine) as db:
        for username in USERS:
            create_user(db, username, PASSWORD, min_length=8)
        create_user(db, "root", PASSWORD, role="admin", min_length=8)
    engine.dispose()


@pytest.fixture(scope="module")
def start_instances(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], Instances]]:
    """The README's production command twice over one SQLite file, started by the first test
    that asks (in its environment: the fakes every test gets), stopped after the module's
    tests."""
    with contextlib.ExitStack() as stack:
        started: list[Instances] = []

        def start() -> Instances:
            if not started:
                folder = tmp_path_factory.mktemp("cached")
                database_url = f"sqlite:///{folder / 'users.db'}"
                env = {
                    **service_environment(database_url),
                    "AUTH_CACHE_SECONDS": str(CACHE_SECONDS),
                }
                upgrade_schema(folder, env)
                add_users(database_url)
                commands = []
                for name in ("first", "second"):
                    (folder / name).mkdir()
                    commands.append((readme_serve_command(free_port()), folder / name / "log"))
                first, second = stack.enter_context(serving(*commands, env=env))
                started.append(Instances(first, second, env))
            return started[0]

        yield start


@pytest.fixture
def instances(configured: None, start_instances: Callable[[], Instances]) -> Instances:
    return start_instances()


def me(server: UvicornProcess, token: str) -> int:
    return httpx.get(f"{server.url}/users/me", headers=bearer(token)).status_code


@dataclass
class Refusal:
    accepted_meanwhile: int  # requests still accepted after the change was sent
    after_seconds: float  # from sending the change to the first refusal


def until_refused(server: UvicornProcess, token: str, changed_at: float) -> Refusal:
    accepted = 0
    give_up = changed_at + 10 * (CACHE_SECONDS + MARGIN_SECONDS)
    while time.monotonic() < give_up:
        status = me(server, token)
        if status == 401:
            return Refusal(accepted, time.monotonic() - changed_at)
        assert status == 200, status
        accepted += 1
        time.sleep(POLL_SECONDS)
    return Refusal(accepted, float("inf"))


def cached_on_both(instances: Instances, username: str) -> str:
    """A token of the user's, its session checked (and so cached) on both processes."""
    token = token_for(instances.first.url, username)
    assert me(instances.first, token) == 200 and me(instances.second, token) == 200
    return token


def assert_refused_within_the_bound(refusal: Refusal) -> None:
    assert refusal.after_seconds <= CACHE_SECONDS + MARGIN_SECONDS, refusal
    # The process had the session cached: without the bound it would have kept accepting.
    assert refusal.accepted_meanwhile > 0, refusal


def test_a_logout_ends_access_here_at_once_and_on_the_other_process_within_the_cache_time(
    instances: Instances,
) -> None:
    token = cached_on_both(instances, "alice")

    changed_at = time.monotonic()
    httpx.post(f"{instances.first.url}/logout", headers=bearer(token)).raise_for_status()

    assert me(instances.first, token) == 401
    assert_refused_within_the_bound(until_refused(instances.second, token, changed_at))


def test_an_account_disabled_by_an_admin_is_refused_here_at_once_and_elsewhere_within_the_bound(
    instances: Instances,
) -> None:
    token = cached_on_both(instances, "bob")
    admin = bearer(token_for(instances.first.url, "root"))

    changed_at = time.monotonic()
    disabled = httpx.post(f"{instances.first.url}/admin/users/bob/disable", headers=admin)
    assert disabled.status_code == 204

    assert me(instances.first, token) == 401
    assert_refused_within_the_bound(until_refused(instances.second, token, changed_at))


def test_an_account_disabled_from_the_shell_is_refused_by_every_process_within_the_bound(
    instances: Instances,
) -> None:
    token = cached_on_both(instances, "carol")

    command = ("-m", "{{ cookiecutter.project_slug }}.cli", "users", "disable", "carol")
    disabled = run_python(*command, stdin="", env=instances.env)
    assert disabled.returncode == 0, disabled.stderr

    # Timed from the command's exit, just after its commit (its start-up, imports mostly, took
    # longer than the cache time). It has no cache to evict: both processes wait out theirs.
    changed_at = time.monotonic()
    for server in (instances.first, instances.second):
        refusal = until_refused(server, token, changed_at)
        assert refusal.after_seconds <= CACHE_SECONDS + MARGIN_SECONDS, refusal
