"""The service on several processes, measured in one run (issue 12's closing figures):

1. the time of the generated suite's PostgreSQL-backed tests (the [postgres] cases and the two
   instances on one PostgreSQL database), beside its [sqlite] cases for scale;
2. weather workflows per second (fake LLM and fake weather API on 127.0.0.1), reserved and run
   over websockets by concurrent users, with the README's one-process command and its
   `--workers 3` command, on the default SQLite file.

Run it with the generated project's Python; figures go to stdout as Markdown lines:

    <project>/.venv/bin/python benchmarks/multi_process.py --project <project>
"""

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from service_load import Project, fake_upstreams, load_project
from sqlalchemy.orm import Session

WORKFLOW = "weather"
QUESTION = {"question": "What is the weather in Paris?"}
# The suite's PostgreSQL-backed tests, and the SQLite twins of the parametrised ones.
POSTGRES_TESTS = "postgres or instance"
SQLITE_TESTS = "sqlite"


def suite_seconds(project: Path, selection: str) -> tuple[float, str]:
    """Wall time of `pytest -k selection` (two xdist workers, as on a 2-core machine)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
    started = time.monotonic()
    run = subprocess.run(
        [*command, "-k", selection], cwd=project, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if run.returncode != 0:
        raise RuntimeError(f"pytest -k {selection!r} failed:\n{run.stdout[-3000:]}")
    return seconds, run.stdout.strip().splitlines()[-1]


def workflows_per_second(project: Project, workers: int, *, users: int, workflows: int) -> float:
    """Weather workflows per second through the README's command with `workers` processes."""
    processes = importlib.import_module("tests.utils.service_processes")
    client = importlib.import_module("tests.utils.websocket_client")
    password = importlib.import_module("tests.utils.accounts").PASSWORD
    free_port = importlib.import_module("tests.utils.loopback").free_port
    names = [f"bench{number}" for number in range(users)]
    with tempfile.TemporaryDirectory() as scratch, fake_upstreams(project) as upstreams:
        folder = Path(scratch)
        database_url = f"sqlite:///{folder / 'users.db'}"
        env = processes.service_environment(database_url) | upstreams.env
        processes.upgrade_schema(folder, env)
        engine = project.module("service.db").open_database(database_url)
        create_user = project.module("service.accounts").create_user
        with Session(engine) as session:
            for name in names:
                create_user(session, name, password, min_length=8)
        engine.dispose()
        command = processes.readme_serve_command(free_port())
        if workers > 1:
            command = processes.readme_workers_command(free_port())
            command[command.index("--workers") + 1] = str(workers)
        with processes.serving((command, folder / "uvicorn.log"), env=env) as [server]:
            tokens = [client.token_for(server.url, name) for name in names]

            def one(number: int) -> Any:
                token = tokens[number % users]
                start = client.initiate(server.url, token, WORKFLOW, QUESTION)
                return client.run_over_websocket(server.url, token, start)[-1]

            with ThreadPoolExecutor(users) as pool:
                list(pool.map(one, range(users)))  # warm-up: each process builds its clients
                started = time.monotonic()
                finished = list(pool.map(one, range(workflows)))
                seconds = time.monotonic() - started
    failed = [last for last in finished if last["type"] != "workflow_completed"]
    if failed:
        raise RuntimeError(f"{len(failed)} workflows did not complete: {failed[:3]}")
    return workflows / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="a generated project")
    parser.add_argument("--users", type=int, default=12, help="concurrent users")
    parser.add_argument("--workflows", type=int, default=48, help="workflows per measurement")
    arguments = parser.parse_args()
    project = load_project(arguments.project.resolve())
    postgres, postgres_summary = suite_seconds(project.root, POSTGRES_TESTS)
    sqlite, sqlite_summary = suite_seconds(project.root, SQLITE_TESTS)
    rates = {
        workers: workflows_per_second(
            project, workers, users=arguments.users, workflows=arguments.workflows
        )
        for workers in (1, 3)
    }
    print(f"- PostgreSQL-backed tests (`-k '{POSTGRES_TESTS}'`): {postgres:.1f} s")
    print(f"  ({postgres_summary})")
    print(f"- their SQLite cases (`-k {SQLITE_TESTS}`): {sqlite:.1f} s ({sqlite_summary})")
    for workers, rate in rates.items():
        print(
            f"- {arguments.workflows} weather workflows, {arguments.users} users at once, "
            f"{workers} worker(s): {rate:.2f} workflows/s"
        )
    print(f"- 3 workers / 1: {rates[3] / rates[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
