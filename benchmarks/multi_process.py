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
import subprocess
import sys
import time
from pathlib import Path

from service_load import fake_upstreams, load_project, workflows_per_second

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="a generated project")
    parser.add_argument("--users", type=int, default=12, help="concurrent users")
    parser.add_argument("--workflows", type=int, default=48, help="workflows per measurement")
    arguments = parser.parse_args()
    project = load_project(arguments.project.resolve())
    postgres, postgres_summary = suite_seconds(project.root, POSTGRES_TESTS)
    sqlite, sqlite_summary = suite_seconds(project.root, SQLITE_TESTS)
    with fake_upstreams(project) as upstreams:
        rates = {
            workers: workflows_per_second(
                project, upstreams, workers, users=arguments.users, workflows=arguments.workflows
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
