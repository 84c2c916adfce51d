"""The service on several processes, started with the README's commands: uvicorn workers sharing
one SQLite file, and two instances sharing one PostgreSQL database. A workflow reserved on one
process starts on whichever process its websocket reaches, exactly once; a sign-out on one is
honoured by every other within AUTH_CACHE_SECONDS."""

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from {{ cookiecutter.project_slug }}.service.accounts import create_user
from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, bearer
from ..utils.loopback import free_port
from ..utils.postgres import PostgresServer
from ..utils.service_processes import (
    UvicornProcess,
    readme_serve_command,
    readme_workers_command,
    service_environment,
    serving,
    upgrade_schema,
)
from ..utils.websocket_client import (
    close_of,
    initiate,
    run_over_websocket,
    token_for,
    workflow_socket,
)

pytestmark = pytest.mark.slow

WORKFLOWS = 12
# Each user may hold 3 reservations and run 3 workflows (the defaults); 6 users run 12 at once,
# 2 each, so that a run an earlier test of the module left ending cannot take a user's last place.
USERS = [f"user{number}" for number in range(6)]
QUESTION = {"question": "What is the weather in Paris?"}
DEFAULT_AUTH_CACHE_SECONDS = Settings.model_fields["auth_cache_seconds"].default


def add_users(database_url: str) -> None:
    engine = open_database(database_url)
    with Session(engine) as db:
        for username in USERS:
            create_user(db, username, PASSWORD, min_length=8)
    engine.dispose()


@dataclass
class Run:
    start: dict[str, Any]  # the reservation, as the websocket's first message
    token: str
    last: dict[str, Any] | None  # the last message the websocket received


def reserve_and_run(reserve_on: str, run_on: str, token: str) -> Run:
    """A weather workflow reserved on `reserve_on` and run over a websocket on `run_on`."""
    start = initiate(reserve_on, token, "weather", QUESTION)
    messages = run_over_websocket(run_on, token, start)
    return Run(start, token, messages[-1] if messages else None)


def run_weather_workflows(reserve_on: str, run_on: str) -> list[Run]:
    """WORKFLOWS weather workflows at once, the users taking turns."""
    tokens = [token_for(reserve_on, username) for username in USERS]
    with ThreadPoolExecutor(WORKFLOWS) as pool:
        return list(
            pool.map(
                lambda number: reserve_and_run(reserve_on, run_on, tokens[number % len(tokens)]),
                range(WORKFLOWS),
            )
        )


def completed_with_the_forecast(run: Run) -> bool:
    return (
        run.last is not None
        and run.last["type"] == "workflow_completed"
        and FORECAST_DATE in run.last["content"]["result"]
    )


@pytest.fixture
def workers(configured: None, tmp_path: Path) -> Iterator[UvicornProcess]:
    """The README's `uvicorn --workers` command on one SQLite file."""
    database_url = f"sqlite:///{tmp_path / 'users.db'}"
    env = service_environment(database_url)
    upgrade_schema(tmp_path, env)
    add_users(database_url)
    command = readme_workers_command(free_port())
    with serving((command, tmp_path / "uvicorn.log"), env=env) as [server]:
        yield server


@pytest.fixture(scope="module")
def start_two_instances(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer
) -> Iterator[Callable[[], list[UvicornProcess]]]:
    """The README's production command twice, on two ports, over one PostgreSQL database:
    started by the first test that asks (its environment points them at the fake LLM and
    weather API, as every test's does), shared by the module's tests, stopped after them."""
    with contextlib.ExitStack() as stack:
        started: list[UvicornProcess] = []

        def start() -> list[UvicornProcess]:
            if not started:
                database_url = postgres.new_database(migrated=False)
                env = service_environment(database_url)
                folder = tmp_path_factory.mktemp("instances")
                upgrade_schema(folder, env)
                add_users(database_url)
                commands = []
                for name in ("first", "second"):
                    (folder / name).mkdir()
                    log = folder / name / "uvicorn.log"
                    commands.append((readme_serve_command(free_port()), log))
                started.extend(stack.enter_context(serving(*commands, env=env)))
            return started

        yield start


@pytest.fixture
def two_instances(
    configured: None, start_two_instances: Callable[[], list[UvicornProcess]]
) -> list[UvicornProcess]:
    return start_two_instances()


def test_workflows_complete_under_several_workers_sharing_one_sqlite_file(
    workers: UvicornProcess,
) -> None:
    # Connections go to whichever worker accepts them first: most websockets reach a worker
    # other than the one that made their reservation.
    runs = run_weather_workflows(workers.url, workers.url)

    unfinished = [run.last for run in runs if not completed_with_the_forecast(run)]
    assert len(runs) == WORKFLOWS and not unfinished, json.dumps(unfinished, indent=1)
    assert "database is locked" not in workers.log.read_text()


def test_workflows_reserved_on_one_instance_complete_on_another_sharing_postgres(
    two_instances: list[UvicornProcess],
) -> None:
    first, second = two_instances

    runs = run_weather_workflows(first.url, second.url)

    unfinished = [run.last for run in runs if not completed_with_the_forecast(run)]
    assert len(runs) == WORKFLOWS and not unfinished, json.dumps(unfinished, indent=1)


def test_a_reservation_used_on_one_instance_is_refused_on_the_other(
    two_instances: list[UvicornProcess],
) -> None:
    first, second = two_instances
    used = reserve_and_run(first.url, second.url, token_for(first.url, USERS[0]))
    assert completed_with_the_forecast(used)

    with workflow_socket(first.url, used.token) as websocket:
        websocket.send(json.dumps(used.start))
        code, reason = close_of(websocket)

    assert code == 1008 and reason.startswith("unknown, used or expired workflow id")


def test_a_sign_out_on_one_instance_is_honoured_by_the_other_within_the_cache_time(
    two_instances: list[UvicornProcess],
) -> None:
    first, second = two_instances
    token = token_for(first.url, USERS[0])
    assert httpx.get(f"{first.url}/users/me", headers=bearer(token)).status_code == 200

    signed_out_at = time.monotonic()
    httpx.post(f"{second.url}/logout", headers=bearer(token)).raise_for_status()

    # The first instance may trust its cached read for AUTH_CACHE_SECONDS (the default here);
    # test_session_cache_processes.py times that bound closely.
    while httpx.get(f"{first.url}/users/me", headers=bearer(token)).status_code != 401:
        assert time.monotonic() - signed_out_at <= DEFAULT_AUTH_CACHE_SECONDS + 1.0
        time.sleep(0.05)
    assert initiate_status(first.url, token) == 401


def initiate_status(url: str, token: str) -> int:
    response = httpx.post(
        f"{url}/fastagency/initiate_workflow",
        json={"workflow_name": "weather", "params": QUESTION},
        headers=bearer(token),
    )
    return response.status_code
