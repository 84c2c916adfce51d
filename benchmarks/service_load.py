"""Load benchmark of a generated project's FastAPI service, entirely on 127.0.0.1.

What it measures, against the real service run by uvicorn (one worker) in its own process:

1. Throughput and latency of GET /fastagency/discovery (bearer token) side by side with
   GET /bench/jwt-only-discovery (the same endpoint behind a JWT check only, no session check)
   and GET /bench/public-discovery (the same endpoint without authentication; both from
   public_route_app.py). The routes take turns over several rounds at a fixed concurrency; the
   ratios of their throughputs are the price of authentication, and of the session check over
   the JWT floor. The load comes from `wrk` when it is on PATH, else from an asyncio + httpx
   generator in this process (separate from the server).
2. The latency of POST /token (password hashing included), over sequential sign-ins.
3. The time of one weather workflow, one at a time, on the service and on FastAgency's stock
   FastAPIAdapter serving the same workflow without security (stock_adapter_app.py), in turns.
4. Many users (100; 20 in quick mode) running the weather workflow at once on one process
   (initiate_workflow + websocket), each with its own account, token and marked question: the
   time, the server's peak memory, and that no user sees another user's messages. The service's
   WORKFLOW_MAX_RUNNING (32 by default) is raised to the number of users for this run.
5. Weather workflows per second through the README's uvicorn command with 1, 2 and 4 workers,
   on one SQLite file.

The fake LLM and the fake weather API of the project's tests/ stand in for the internet.
Progress goes to stderr; one JSON object with the figures goes to stdout. The exit status is
non-zero if a workflow failed, a message crossed between users, or a load request was not a 200.

    <project>/.venv/bin/python benchmarks/service_load.py --project <project> [--quick]
"""

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session
from websockets.sync.client import connect

BENCHMARKS_DIR = Path(__file__).resolve().parent
AUTHENTICATED_PATH = "/fastagency/discovery"
PUBLIC_PATH = "/bench/public-discovery"  # added by public_route_app.py
JWT_ONLY_PATH = "/bench/jwt-only-discovery"  # added by public_route_app.py
SERVICE_APP = "public_route_app:create_public_route_app"
STOCK_APP = "stock_adapter_app:create_stock_adapter_app"
ROUTES = {"authenticated": AUTHENTICATED_PATH, "jwt_only": JWT_ONLY_PATH, "public": PUBLIC_PATH}
WORKFLOW = "weather"
# Messages by which a workflow waits for an answer: with a question given, none should come.
INPUT_REQUESTS = ("text_input", "multiple_choice")
PASSWORD = "load-benchmark-password-" + secrets.token_hex(8)
START_TIMEOUT_SECONDS = 60.0
WORKFLOW_TIMEOUT_SECONDS = 180.0
STARTED = time.monotonic()
DEFAULT_MAX_RUNNING = 32  # the service's WORKFLOW_MAX_RUNNING


@dataclass(frozen=True)
class Profile:
    rounds: int
    seconds_per_run: int  # whole seconds: wrk takes no fractions
    warmup_seconds: int
    logins: int
    users: int  # concurrent workflows on one process
    stock_rounds: int  # rounds of one workflow at a time on each adapter, in turns
    stock_per_round: int
    worker_counts: tuple[int, ...]
    workers_users: int  # concurrent users for workflows per second
    workers_workflows: int  # timed workflows per worker count


# Short runs, many rounds: each round's routes run close together in time, so a slow spell of a
# shared machine touches a round's routes alike and falls out of the ratios.
FULL = Profile(
    rounds=10,
    seconds_per_run=5,
    warmup_seconds=3,
    logins=30,
    users=100,
    stock_rounds=3,
    stock_per_round=10,
    worker_counts=(1, 2, 4),
    workers_users=12,
    workers_workflows=48,
)
QUICK = Profile(
    rounds=3,
    seconds_per_run=2,
    warmup_seconds=1,
    logins=5,
    users=20,
    stock_rounds=1,
    stock_per_round=3,
    worker_counts=(2,),  # the several-workers path only: each start takes seconds
    workers_users=4,
    workers_workflows=8,
)


class BenchmarkError(RuntimeError):
    """The benchmark could not run (as opposed to measuring a failure)."""


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


# --- The project under test -------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    root: Path
    package: str  # the project's slug: weather_agent by default

    def module(self, name: str) -> Any:
        return importlib.import_module(f"{self.package}.{name}")


def load_project(root: Path) -> Project:
    """Make the project and its tests/ importable, and keep this process off the internet."""
    apps = sorted(root.glob("*/service/app.py"))
    if not apps:
        raise BenchmarkError(
            f"{root} has no <package>/service/app.py: was it rendered with a service?"
        )
    package = apps[0].parent.parent.name
    if not (root / package / "demo" / "llm.py").is_file():
        raise BenchmarkError(f"{root} has no {package}/demo/llm.py to stand in for the LLM")
    sys.path.insert(0, str(root))
    loopback = importlib.import_module("tests.utils.loopback")
    loopback.refuse_non_loopback_connections()
    return Project(root, package)


@dataclass(frozen=True)
class Upstreams:
    """The fake LLM and weather API, and the environment that points the service at them."""

    env: dict[str, str]


@contextlib.contextmanager
def fake_upstreams(project: Project) -> Iterator[Upstreams]:
    """Serve the project's fake LLM and fake weather API (its demo/) in threads of this process."""
    fake_llm = importlib.import_module(f"{project.package}.demo.llm")
    fake_weather = importlib.import_module(f"{project.package}.demo.weather_api")
    serve = importlib.import_module("tests.utils.loopback").serve
    with (
        serve(fake_llm.create_fake_llm()) as llm_url,
        serve(fake_weather.create_fake_weather_api()) as weather_url,
    ):
        env = {
            "OPENAI_API_KEY": "bench-llm-key",
            "OPENAI_BASE_URL": f"{llm_url}/v1",
            "WEATHER_OPENAPI_URL": f"{weather_url}/openapi.json",
        }
        # The scheme the fake wants (its default), with every credential variable it accepts.
        env |= fake_weather.valid_environment(fake_weather.DEFAULT_SCHEME)
        log(f"fake LLM at {llm_url}, fake weather API at {weather_url}")
        try:
            yield Upstreams(env)
        finally:
            # serve() stops them with force_exit, which uvicorn reports as a cancelled-lifespan
            # traceback: noise once they are no longer needed.
            logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)


def create_accounts(project: Project, database_url: str, names: list[str]) -> None:
    """Create users (role "user") with the project's own code, so passwords are really hashed."""
    users = project.module("service.accounts")
    # The default rule, not Settings(): that would read whatever .env is in the current folder.
    min_length = project.module("settings").Settings.model_fields["password_min_length"].default
    engine = project.module("service.db").open_database(database_url)
    project.module("service.schema").upgrade(engine)
    with Session(engine) as session:
        for name in names:
            users.create_user(session, name, PASSWORD, role="user", min_length=min_length)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_environment(project: Project, workdir: Path, upstreams: Upstreams) -> dict[str, str]:
    # Nothing from the caller's shell may configure the service: only what is set here.
    settings_class = project.module("settings").Settings
    known = {name.upper() for name in settings_class.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in known}
    return (
        env
        | upstreams.env
        | {
            "ENVIRONMENT": "production",
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite:///{workdir / 'users.db'}",
            "SERVICE_LOAD_PACKAGE": project.package,
            "PYTHONPATH": os.pathsep.join([str(project.root), str(BENCHMARKS_DIR)]),
        }
    )


@dataclass(frozen=True)
class Service:
    url: str
    log_path: Path
    pid: int

    def memory_kib(self, field: str) -> int:
        """VmRSS (resident now) or VmHWM (the peak so far) of the server process."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith(f"{field}:"))
        return int(line.split()[1])


@contextlib.contextmanager
def running_service(
    project: Project,
    workdir: Path,
    upstreams: Upstreams,
    app: str = SERVICE_APP,
    settings: dict[str, str] | None = None,
) -> Iterator[Service]:
    """An app (default: the service) in its own uvicorn process (one worker), with extra
    `settings` in its environment; stopped on the way out."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host=127.0.0.1",
        f"--port={port}",
        "--log-level=warning",
        "--no-access-log",
    ]
    log_path = workdir / f"{app.split(':')[0]}.log"
    with log_path.open("wb") as server_log:
        # The working directory is empty, so the project's .env is not read either.
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=service_environment(project, workdir, upstreams) | (settings or {}),
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log_path)
        log(f"{app} up at {url} (pid {process.pid})")
        yield Service(url, log_path, process.pid)
        if process.poll() is not None:
            raise BenchmarkError(f"the service died during the run:\n{tail(log_path)}")
    finally:
        stop(process)


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"the service exited at start:\n{tail(log_path)}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise BenchmarkError(f"the service did not answer /health within {START_TIMEOUT_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log("the service ignored SIGINT for 15 s: killing it")
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def sign_in(client: httpx.Client, username: str) -> str:
    response = client.post("/token", data={"username": username, "password": PASSWORD})
    if response.status_code != 200:
        raise BenchmarkError(
            f"sign-in of {username} failed: {response.status_code} {response.text}"
        )
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- Load on the two discovery routes ---------------------------------------------------------


@dataclass(frozen=True)
class LoadRun:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # responses other than 200, plus connection errors and timeouts


LoadGenerator = Callable[[str, dict[str, str], float, int], LoadRun]

# Sums per-thread counts of non-200 answers (wrk itself only flags >= 400) and prints the
# figures as one line of JSON, which is easier to read back than wrk's human units.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non200") end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "non_200": %d, "socket_errors": %d, '
    .. '"p50_us": %.1f, "p99_us": %.1f}\\n',
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_generator(wrk: str, script: Path) -> LoadGenerator:
    def run(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> LoadRun:
        command = [wrk, f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{seconds:g}s"]
        command += [f"-s{script}", "--timeout=10s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        finished = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        found = re.search(r"^WRK_RESULT (.*)$", finished.stdout, re.MULTILINE)
        if finished.returncode != 0 or not found:
            raise BenchmarkError(f"wrk failed: {finished.stdout}{finished.stderr}")
        figures = json.loads(found.group(1))
        return LoadRun(
            requests=figures["requests"],
            rps=figures["requests"] / (figures["duration_us"] / 1e6),
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            errors=figures["non_200"] + figures["socket_errors"],
        )

    return run


def httpx_generator(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> LoadRun:
    """`concurrency` keep-alive connections, each sending its next request on each answer."""
    return asyncio.run(_httpx_load(url, headers, seconds, concurrency))


async def _httpx_load(
    url: str, headers: dict[str, str], seconds: float, concurrency: int
) -> LoadRun:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def connection() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                    errors += response.status_code != 200
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(connection() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadRun(
        requests=len(latencies),
        rps=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        errors=errors,
    )


def choose_generator(wanted: str, workdir: Path) -> tuple[str, LoadGenerator]:
    """wrk if on PATH (or asked for), else httpx; and its name with version, for the report."""
    wrk = shutil.which("wrk")
    if wanted == "httpx" or (wanted == "auto" and wrk is None):
        log("load from httpx: it may saturate before the service does, understating the gap")
        return "httpx", httpx_generator
    if wrk is None:
        raise BenchmarkError("--generator wrk, but wrk is not on PATH (apt-get install wrk)")
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"wrk \S*?(\d+(?:\.\d+)+)", version.stdout + version.stderr)
    script = workdir / "count_non_200.lua"
    script.write_text(WRK_SCRIPT)
    return f"wrk {found.group(1) if found else '?'}", wrk_generator(wrk, script)


def check_same_answer(client: httpx.Client, token: str) -> None:
    """The routes must answer the same, or their comparison measures more than auth."""
    answers = {name: client.get(path, headers=bearer(token)) for name, path in ROUTES.items()}
    if any(answer.status_code != 200 for answer in answers.values()):
        codes = {name: answer.status_code for name, answer in answers.items()}
        raise BenchmarkError(f"discovery routes answered {codes}")
    if len({answer.text for answer in answers.values()}) != 1:
        raise BenchmarkError(f"routes differ: {[answer.text for answer in answers.values()]}")
    log(f"all routes answer {answers['public'].text}")


def compare_routes(
    generate: LoadGenerator, url: str, token: str, profile: Profile, concurrency: int
) -> dict[str, Any]:
    """The routes take turns, round after round, so drift (heat, other load) hits all alike."""
    targets = {
        name: (f"{url}{path}", {} if name == "public" else bearer(token))
        for name, path in ROUTES.items()
    }
    warmups = {
        name: generate(target, headers, profile.warmup_seconds, concurrency)
        for name, (target, headers) in targets.items()
    }
    runs: dict[str, list[LoadRun]] = {name: [] for name in targets}
    for round_number in range(profile.rounds):
        # Rotate which route goes first each round, so none always runs on a warmer server.
        names = list(targets)
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            target, headers = targets[name]
            run = generate(target, headers, profile.seconds_per_run, concurrency)
            runs[name].append(run)
            log(
                f"round {round_number + 1}/{profile.rounds} {name:13} {run.rps:7.0f} req/s  "
                f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  errors {run.errors}"
            )

    def ratio(numerator: str, denominator: str) -> float:
        """The median over rounds of the throughput ratio within each round."""
        pairs = zip(runs[numerator], runs[denominator], strict=True)
        return round(statistics.median(top.rps / bottom.rps for top, bottom in pairs), 3)

    return {
        "routes": {name: route_summary(runs[name], warmups[name]) for name in targets},
        "throughput_ratio": ratio("authenticated", "public"),
        "jwt_only_ratio": ratio("authenticated", "jwt_only"),
        "jwt_floor_ratio": ratio("jwt_only", "public"),
    }


def route_summary(runs: list[LoadRun], warmup: LoadRun) -> dict[str, Any]:
    """Throughput over the rounds; latency as the median over rounds of each round's p50/p99."""
    every_run = [warmup, *runs]
    return {
        "rps": spread([run.rps for run in runs]),
        "rps_per_round": [round(run.rps, 1) for run in runs],
        "latency_ms": {
            "median": round(statistics.median(run.p50_ms for run in runs), 2),
            "p99": round(statistics.median(run.p99_ms for run in runs), 2),
        },
        # Counted over everything sent, warmup included: any failure must show.
        "errors": sum(run.errors for run in every_run),
        "requests": sum(run.requests for run in every_run),
    }


# --- Sign-in latency --------------------------------------------------------------------------


def measure_logins(client: httpx.Client, username: str, count: int) -> dict[str, Any]:
    """Sequential sign-ins: each is one password verification plus a new login session."""
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        sign_in(client, username)
        seconds.append(time.perf_counter() - started)
    milliseconds = [value * 1000 for value in seconds]
    return spread(milliseconds) | {"p99": round(percentile(milliseconds, 99), 1), "n": count}


# --- Concurrent workflows ---------------------------------------------------------------------


@dataclass
class WorkflowRun:
    username: str
    token: str
    # The fake LLM asks the weather API about the city after "in"; the API echoes it back,
    # so the marker travels the whole path: question, LLM, tool call, API, answer.
    marker: str
    workflow_uuid: str = ""
    seconds: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def identifiers(self) -> list[str]:
        """Strings that appear only in this user's messages."""
        ids = [self.username, self.marker]
        if self.workflow_uuid:
            ids += [self.workflow_uuid, str(uuid.UUID(self.workflow_uuid))]
        return ids


def run_workflow(url: str, run: WorkflowRun, start_together: threading.Barrier) -> None:
    """Reserve and run the weather workflow as one user; record messages, time and failure."""
    start_together.wait()
    started = time.perf_counter()
    try:
        reservation = httpx.post(
            f"{url}/fastagency/initiate_workflow",
            json={
                "workflow_name": WORKFLOW,
                "params": {"question": f"What is the weather in {run.marker}?"},
                # The stock adapter requires these; the service ignores them.
                "workflow_uuid": "",
                "user_id": None,
            },
            headers=bearer(run.token),
            timeout=30,
        )
        reservation.raise_for_status()
        run.workflow_uuid = uuid.UUID(reservation.json()["workflow_uuid"]).hex
        ws_url = url.replace("http://", "ws://", 1) + "/fastagency/ws"
        with connect(ws_url, additional_headers=bearer(run.token), open_timeout=30) as websocket:
            websocket.send(reservation.text)
            while not run.messages or run.messages[-1]["type"] != "workflow_completed":
                run.messages.append(json.loads(websocket.recv(timeout=WORKFLOW_TIMEOUT_SECONDS)))
                if run.messages[-1]["type"] in INPUT_REQUESTS:
                    raise BenchmarkError(f"the workflow asked for input: {run.messages[-1]}")
        run.seconds = time.perf_counter() - started
        run.error = workflow_problem(run)
    except Exception as error:
        run.error = f"{type(error).__name__}: {error}"


def workflow_problem(run: WorkflowRun) -> str | None:
    errors = [message for message in run.messages if message["type"] == "error"]
    if errors:
        return f"error message: {json.dumps(errors[0].get('content'))}"
    result = str(run.messages[-1].get("content", {}).get("result"))
    if run.marker not in result:
        return f"the answer lacks the question's marker {run.marker}: {result[:200]}"
    return None


def count_cross_talk(runs: list[WorkflowRun]) -> int:
    """Messages that carry another run's workflow id, or another user's name or marker."""
    crossed = 0
    for run in runs:
        foreign = [text for other in runs if other is not run for text in other.identifiers]
        for message in run.messages:
            text = json.dumps(message)
            wrong_id = message.get("workflow_uuid") not in (None, run.workflow_uuid)
            if wrong_id or any(identifier in text for identifier in foreign):
                crossed += 1
    return crossed


def concurrent_workflows(service: Service, runs: list[WorkflowRun]) -> dict[str, Any]:
    url = service.url
    resident_before = service.memory_kib("VmRSS")
    start_together = threading.Barrier(len(runs))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        for run in runs:
            pool.submit(run_workflow, url, run, start_together)
    total = time.perf_counter() - started
    failed = [run for run in runs if run.error]
    completed = [run for run in runs if not run.error]
    summary: dict[str, Any] = {
        "users": len(runs),
        "completed": len(completed),
        "failed": len(failed),
        "cross_talk": count_cross_talk(runs),
        "total_s": round(total, 2),
        "per_workflow_s": spread([run.seconds for run in completed], 2) if completed else None,
        "first_error": f"{failed[0].username}: {failed[0].error}" if failed else None,
        # The server process's resident memory before the runs, and its peak since it started
        # (the load rounds before come nowhere near it).
        "rss_before_mib": round(resident_before / 1024, 1),
        "peak_rss_mib": round(service.memory_kib("VmHWM") / 1024, 1),
    }
    log(
        f"{summary['completed']} completed, {summary['failed']} failed, "
        f"{summary['cross_talk']} crossed messages, in {summary['total_s']} s; "
        f"peak RSS {summary['peak_rss_mib']} MiB"
    )
    return summary


# --- The service against the stock adapter, one workflow at a time ----------------------------


def one_at_a_time(url: str, token: str, count: int) -> list[float]:
    """Seconds of each of `count` weather workflows run one after another."""
    seconds = []
    for _ in range(count):
        run = WorkflowRun("bench-load", token, f"Benchcity{secrets.token_hex(6)}")
        run_workflow(url, run, threading.Barrier(1))
        if run.error:
            raise BenchmarkError(f"a workflow on {url} failed: {run.error}")
        seconds.append(run.seconds)
    return seconds


def compare_with_stock_adapter(
    service_url: str, stock_url: str, token: str, profile: Profile
) -> dict[str, Any]:
    """The same workflow, one at a time, on the service and on the stock adapter in turns."""
    urls = {"service": service_url, "stock": stock_url}
    for url in urls.values():
        one_at_a_time(url, token, 1)  # warm-up: the first run builds the workflow's clients
    seconds: dict[str, list[float]] = {name: [] for name in urls}
    for round_number in range(profile.stock_rounds):
        order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
        for name in order:
            seconds[name] += one_at_a_time(urls[name], token, profile.stock_per_round)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    log(
        f"one workflow at a time: service {medians['service']:.3f} s, "
        f"stock adapter {medians['stock']:.3f} s (medians)"
    )
    return {
        "per_workflow_s": {name: spread(values, 3) for name, values in seconds.items()},
        "n": len(seconds["service"]),
        "ratio": round(medians["service"] / medians["stock"], 3),
    }


# --- Workflows per second by uvicorn workers --------------------------------------------------


def workflows_per_second(
    project: Project, upstreams: Upstreams, workers: int, *, users: int, workflows: int
) -> float:
    """Weather workflows per second through the README's command with `workers` processes, on
    one SQLite file, `users` of them at once (after one warm-up round)."""
    processes = importlib.import_module("tests.utils.service_processes")
    client = importlib.import_module("tests.utils.websocket_client")
    password = importlib.import_module("tests.utils.accounts").PASSWORD
    loopback_port = importlib.import_module("tests.utils.loopback").free_port
    names = [f"bench{number}" for number in range(users)]
    question = {"question": "What is the weather in Paris?"}
    with tempfile.TemporaryDirectory() as scratch:
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
        command = processes.readme_serve_command(loopback_port())
        if workers > 1:
            command = processes.readme_workers_command(loopback_port())
            command[command.index("--workers") + 1] = str(workers)
        with processes.serving((command, folder / "uvicorn.log"), env=env) as [server]:
            tokens = [client.token_for(server.url, name) for name in names]

            def one(number: int) -> Any:
                token = tokens[number % users]
                start = client.initiate(server.url, token, WORKFLOW, question)
                return client.run_over_websocket(server.url, token, start)[-1]

            with ThreadPoolExecutor(users) as pool:
                list(pool.map(one, range(users)))  # warm-up: each process builds its clients
                started = time.monotonic()
                finished = list(pool.map(one, range(workflows)))
                seconds = time.monotonic() - started
    failed = [last for last in finished if last["type"] != "workflow_completed"]
    if failed:
        raise BenchmarkError(f"{len(failed)} workflows did not complete: {failed[:3]}")
    rate = workflows / seconds
    log(f"{workers} worker(s): {workflows} workflows in {seconds:.1f} s = {rate:.2f}/s")
    return rate


# --- Putting it together ----------------------------------------------------------------------


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="a rendered project folder")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument(
        "--users", type=positive, help="concurrent workflows on one process (default 100)"
    )
    parser.add_argument("--concurrency", type=positive, default=16, help="load connections")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "httpx"],
        default="auto",
        help="load generator (auto: wrk when on PATH, else httpx)",
    )
    return parser.parse_args(argv)


def benchmark(arguments: argparse.Namespace) -> dict[str, Any]:
    load_average = os.getloadavg()  # before this run adds its own: how quiet the machine was
    profile = QUICK if arguments.quick else FULL
    users = arguments.users or profile.users
    project = load_project(arguments.project.resolve())
    workflow_users = [f"bench-user-{index:03d}" for index in range(users)]
    # The default (32) would refuse the runs beyond it with 503: raised for this service only.
    service_settings = {"WORKFLOW_MAX_RUNNING": str(users)} if users > DEFAULT_MAX_RUNNING else {}
    with (
        tempfile.TemporaryDirectory(prefix="service_load-") as temporary,
        fake_upstreams(project) as up,
    ):
        workdir = Path(temporary)
        log(f"creating {users + 1} accounts in {workdir / 'users.db'}")
        create_accounts(
            project, f"sqlite:///{workdir / 'users.db'}", ["bench-load", *workflow_users]
        )
        generator_name, generate = choose_generator(arguments.generator, workdir)
        with (
            running_service(project, workdir, up, settings=service_settings) as service,
            httpx.Client(base_url=service.url) as client,
        ):
            token = sign_in(client, "bench-load")
            check_same_answer(client, token)
            log(f"load: {generator_name}, {arguments.concurrency} connections")
            load = compare_routes(generate, service.url, token, profile, arguments.concurrency)
            log(f"sign-in latency over {profile.logins} sequential logins")
            token_ms = measure_logins(client, "bench-load", profile.logins)
            log("one workflow at a time: the service against the stock FastAPIAdapter")
            with running_service(project, workdir, up, app=STOCK_APP) as stock:
                stock_adapter = compare_with_stock_adapter(service.url, stock.url, token, profile)
            log(f"{users} users run the {WORKFLOW} workflow at once")
            runs = [
                WorkflowRun(name, sign_in(client, name), f"Benchcity{secrets.token_hex(6)}")
                for name in workflow_users
            ]
            workflows = concurrent_workflows(service, runs)
            if workflows["failed"]:
                # The incident details are only in the server's log, which is about to go.
                log(f"the service's log:\n{tail(service.log_path)}")
        by_workers = {
            str(workers): round(
                workflows_per_second(
                    project,
                    up,
                    workers,
                    users=profile.workers_users,
                    workflows=profile.workers_workflows,
                ),
                2,
            )
            for workers in profile.worker_counts
        }
    return {
        "mode": "quick" if arguments.quick else "full",
        "load_generator": generator_name,
        "concurrency": arguments.concurrency,
        "rounds": profile.rounds,
        "seconds_per_run": profile.seconds_per_run,
        **load,
        "token_ms": token_ms,
        "stock_adapter": stock_adapter,
        "workflows": workflows | {"settings": service_settings},
        "workers": {
            "workflows_per_second": by_workers,
            "users": profile.workers_users,
            "workflows": profile.workers_workflows,
        },
        "server": {
            "uvicorn": importlib.metadata.version("uvicorn"),
            "workers": 1,
            "uvloop": importlib.util.find_spec("uvloop") is not None,
            "httptools": importlib.util.find_spec("httptools") is not None,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "load_average": [round(value, 2) for value in load_average],
        "elapsed_s": round(time.monotonic() - STARTED, 1),
    }


def failures(figures: dict[str, Any]) -> list[str]:
    problems = [
        f"{name}: {route['errors']} load requests were not answered 200"
        for name, route in figures["routes"].items()
        if route["errors"]
    ]
    workflows = figures["workflows"]
    if workflows["failed"]:
        problems.append(f"{workflows['failed']} workflows failed; {workflows['first_error']}")
    if workflows["cross_talk"]:
        problems.append(f"{workflows['cross_talk']} messages reached the wrong user")
    return problems


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        figures = benchmark(arguments)
    except BenchmarkError as error:
        print(f"service_load: cannot run: {error}", file=sys.stderr)
        return 2
    print(json.dumps(figures))
    problems = failures(figures)
    for problem in problems:
        print(f"service_load: FAILED: {problem}", file=sys.stderr)
    log("done" if not problems else "done, with failures")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
