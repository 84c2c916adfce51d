"""The generated project's container image and compose file, built and run with podman.

A default project is generated and installed, and its image built, once per test run (over
$CONTAINER_BASE_IMAGE when set: CI makes one from Debian's packages with scripts/container-base,
as it reaches no container registry; else over the Dockerfile's default, the official python
image). Containers get their secrets from the environment, as in production. The project's fake
LLM and weather API serve on the host's loopback, which the containers that run a workflow share
(host network). Without podman these tests are skipped, all but the first.
"""

import fcntl
import hashlib
import itertools
import json
import os
import secrets
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .conftest import Render
from .helpers import DEFAULT_SLUG, TEMPLATE_DIR, run, tool
from .service_helpers import (
    FORECAST_DATE,
    PASSWORD,
    free_port,
    generate_installed_project,
    run_weather_workflow,
    service_env,
    weather_fakes,
)

PODMAN = shutil.which("podman")
BASE_IMAGE = os.environ.get("CONTAINER_BASE_IMAGE")
# The Dockerfile's default, which only a registry (unreachable here) or a local copy can give.
DEFAULT_BASE_IMAGE = "python:3.11-slim"
# Mounted while building only, never copied into a layer: where outbound HTTPS passes an
# intercepting proxy (as on CI's machine), the build reaches PyPI only with the host's CA bundle.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_USER = "10001:10001"  # the Dockerfile's USER
START_SECONDS = 60


def podman(*arguments: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    assert PODMAN is not None
    return run([PODMAN, *arguments], Path.cwd(), **kwargs)  # type: ignore[arg-type]


def unique_name() -> str:
    """A name no other test on this machine uses, for volumes and containers."""
    return f"template-test-{uuid.uuid4().hex[:12]}"


def instruction(dockerfile: str, name: str) -> str:
    """The argument of the Dockerfile's (last) instruction `name`, continuation lines joined."""
    lines = dockerfile.replace("\\\n", " ").splitlines()
    return [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")][-1]


def readme_production_command(project: Path) -> list[str]:
    """The README's "Run in production" uvicorn command, as words."""
    readme = (project / "README.md").read_text()
    section = readme.split("### Run in production", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("```", 1)[0] for block in section.split("```console\n")[1:]]
    serve = next(block for block in blocks if "uvicorn" in block)
    return shlex.split(serve.replace("\\\n", " "))


def test_image_serves_with_the_readme_production_command_on_its_own_network_interface(
    render: Render,
) -> None:
    project = render()
    dockerfile = (project / "docker" / "Dockerfile").read_text()
    command = json.loads(instruction(dockerfile, "CMD"))
    settings = dict(word.split("=", 1) for word in shlex.split(instruction(dockerfile, "ENV")))
    readme = readme_production_command(project)
    options = dict(itertools.pairwise(readme))

    # Where to listen and whom to trust as a proxy differ in a container: the image sets them in
    # variables uvicorn reads, which a deployment can change without restating the command.
    in_variables = {"--host", "--port", "--forwarded-allow-ips"}
    kept = [
        word
        for index, word in enumerate(readme)
        if word not in in_variables and readme[index - 1] not in in_variables
    ]
    assert kept == ["ENVIRONMENT=production", *command]
    assert settings["ENVIRONMENT"] == "production"
    assert settings["UVICORN_HOST"] == "0.0.0.0"  # published by the container runtime
    assert settings["UVICORN_PORT"] == options["--port"]
    assert settings["FORWARDED_ALLOW_IPS"] == options["--forwarded-allow-ips"]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The default project, generated and installed, and its image: made once per test run by
    the first pytest-xdist worker that asks, under a lock; the others wait and reuse them."""
    if PODMAN is None:
        pytest.skip("podman is not installed: apt-get install podman (.ci/run does)")
    if BASE_IMAGE is None and podman("image", "exists", DEFAULT_BASE_IMAGE).returncode != 0:
        pytest.skip(
            f"no base image: CONTAINER_BASE_IMAGE is unset and {DEFAULT_BASE_IMAGE} is not in "
            "podman's store (scripts/container-base makes one from Debian's packages; .ci/run does)"
        )
    run_folder = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        run_folder = run_folder.parent  # the workers' folders are in the run's
    shared = run_folder / "container"
    shared.mkdir(exist_ok=True)
    record = shared / "built.json"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            try:
                project = generate_installed_project(shared)
                outcome = {"project": str(project), "image": build(project)}
            except AssertionError as failure:  # told to every worker, not tried again by each
                outcome = {"failure": str(failure)}
            record.write_text(json.dumps(outcome))
    outcome = json.loads(record.read_text())
    if "failure" in outcome:
        pytest.fail(outcome["failure"], pytrace=False)
    return dict(outcome)


def build(project: Path) -> str:
    """The project's image, built as its README says (podman keeps HEALTHCHECK in docker
    format); its tag. One tag per template checkout, not per run: an unchanged project's build
    is all cached layers, the same image, and nothing piles up."""
    checkout = hashlib.sha256(str(TEMPLATE_DIR).encode()).hexdigest()[:12]
    tag = f"localhost/{DEFAULT_SLUG}-template-test:{checkout}"
    command = [str(PODMAN), "build", "--format", "docker", "-t", tag, "-f", "docker/Dockerfile"]
    if BASE_IMAGE:
        command += ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    if HOST_CA_BUNDLE.is_file():
        command += ["--volume", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro"]
    built = run([*command, "."], project, timeout=900)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return tag


@pytest.fixture(scope="session")
def project(built: dict[str, str]) -> Path:
    return Path(built["project"])


@pytest.fixture(scope="session")
def image(built: dict[str, str]) -> str:
    return built["image"]


@pytest.fixture(scope="session")
def data_volume(image: str) -> Iterator[str]:
    """A volume for the database, its schema made by the image's own `db upgrade`."""
    name = unique_name()
    migrated = podman(
        "run", "--rm", "--volume", f"{name}:/app/data", image, DEFAULT_SLUG, "db", "upgrade"
    )
    try:
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield name
    finally:
        podman("volume", "rm", "--force", name)


def signing_key_env() -> dict[str, str]:
    """podman's environment with a strong JWT_SECRET_KEY, which `--env JWT_SECRET_KEY` passes on."""
    return {**service_env(), "JWT_SECRET_KEY": secrets.token_urlsafe(48)}


@contextmanager
def container(image: str, *options: str, env: dict[str, str]) -> Iterator[str]:
    """A container of `image` running in the background (with an init process, as compose's
    `init: true`); its id. Removed afterwards."""
    started = podman("run", "--detach", "--init", *options, image, env=env)
    assert started.returncode == 0, started.stderr
    container_id = started.stdout.strip()
    try:
        yield container_id
    finally:
        podman("rm", "--force", "--time", "2", container_id)


def create_user_inside(container_name: str, username: str) -> None:
    """An account made by the project's console script in the container, as the README says."""
    command = [DEFAULT_SLUG, "users", "create", username]
    created = podman("exec", "--interactive", container_name, *command, input=f"{PASSWORD}\n")
    assert created.returncode == 0, created.stdout + created.stderr


def wait_for_health(base: str, container_name: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    logs = podman("logs", container_name)
    pytest.fail(
        f"{container_name} did not answer /health:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}"
    )


def test_container_answers_health_as_a_non_root_user(image: str, data_volume: str) -> None:
    port = free_port()
    published = ("--publish", f"127.0.0.1:{port}:8000", "--volume", f"{data_volume}:/app/data")
    with container(image, *published, "--env", "JWT_SECRET_KEY", env=signing_key_env()) as cid:
        wait_for_health(f"http://127.0.0.1:{port}", cid)
        user_id = podman("exec", cid, "id", "-u").stdout.strip()
        healthcheck = podman("healthcheck", "run", cid)

    assert podman("inspect", "--format", "{{.Config.User}}", image).stdout.strip() == IMAGE_USER
    assert user_id == IMAGE_USER.split(":")[0]
    assert healthcheck.returncode == 0, healthcheck.stdout + healthcheck.stderr


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "JWT_SECRET_KEY is not set"),
        ("changeme", "JWT_SECRET_KEY is a published example value"),
    ],
    ids=["missing", "published-example"],
)
def test_container_refuses_to_start_without_a_strong_signing_key(
    image: str, data_volume: str, key: str | None, message: str
) -> None:
    name = unique_name()
    env = service_env() if key is None else {**service_env(), "JWT_SECRET_KEY": key}
    options = ("--name", name, "--init", "--volume", f"{data_volume}:/app/data")
    try:
        ran = podman(
            "run", *options, "--env", "JWT_SECRET_KEY", image, env=env, timeout=START_SECONDS
        )
    finally:
        podman("rm", "--force", name)

    assert ran.returncode != 0
    assert message in ran.stdout + ran.stderr


def test_image_holds_the_venv_and_no_secret_from_the_projects_env_file(
    image: str, project: Path, tmp_path: Path
) -> None:
    env_file = (project / ".env").read_text()
    key = next(line for line in env_file.splitlines() if line.startswith("JWT_SECRET_KEY="))
    assert len(key) > len("JWT_SECRET_KEY=") + 32
    # Every layer's files and the image's configuration, uncompressed, in one archive.
    archive = tmp_path / "image.tar"
    saved = podman("image", "save", "--format", "docker-archive", "--output", str(archive), image)
    assert saved.returncode == 0, saved.stderr
    history = podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
    listing = podman("run", "--rm", "--entrypoint", "ls", image, "-A", "/app")

    secret = key.split("=", 1)[1].encode()
    with archive.open("rb") as layers:
        tail = b""
        while chunk := layers.read(16 * 1024 * 1024):
            assert secret not in tail + chunk
            tail = chunk[-len(secret) :]
    assert history.returncode == 0 and secret.decode() not in history.stdout
    assert listing.stdout.split() == [".venv", "data"]


def test_weather_workflow_runs_in_the_container_for_a_user_its_console_script_made(
    image: str, data_volume: str, project: Path
) -> None:
    port = free_port()
    env = signing_key_env()
    with weather_fakes(project, service_env()) as fake_settings:
        env.update(fake_settings, UVICORN_PORT=str(port))
        # Named only: podman passes on their values from its environment.
        names = ["JWT_SECRET_KEY", "UVICORN_PORT", *fake_settings]
        settings = [option for name in names for option in ("--env", name)]
        with container(
            image, "--network", "host", "--volume", f"{data_volume}:/app/data", *settings, env=env
        ) as cid:
            create_user_inside(cid, "alice")
            wait_for_health(f"http://127.0.0.1:{port}", cid)
            result = run_weather_workflow(f"http://127.0.0.1:{port}", "alice")

    assert "'city': 'Oslo'" in result and FORECAST_DATE in result


def test_compose_runs_the_migrations_then_the_service_through_a_workflow(
    image: str, project: Path, tmp_path: Path
) -> None:
    name = unique_name().replace("-", "_")
    port = free_port()
    with weather_fakes(project, service_env()) as fake_settings:
        # The service on the host's network, to reach the fakes on loopback, on a free port.
        variables = {**fake_settings, "UVICORN_PORT": str(port)}
        (tmp_path / "override.yaml").write_text(
            "services:\n  service:\n    network_mode: host\n    ports: !reset []\n"
            f"    environment: {json.dumps(variables)}\n"
        )
        compose = [tool("podman-compose"), "--project-name", name]
        files = ["--file", "compose.yaml", "--file", str(tmp_path / "override.yaml")]
        # The image built above, not a second build of the same Dockerfile.
        env = {**service_env(), "IMAGE": image}
        try:
            up = run([*compose, *files, "up", "--detach"], project, env=env)
            assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
            service = f"{name}_service_1"
            create_user_inside(service, "bob")
            wait_for_health(f"http://127.0.0.1:{port}", service)
            result = run_weather_workflow(f"http://127.0.0.1:{port}", "bob")
            migrated = podman("inspect", "--format", "{{.State.ExitCode}}", f"{name}_migrate_1")
            # Started once, after the migrations: never refused for an old schema and restarted.
            restarts = podman("inspect", "--format", "{{.RestartCount}}", service)
        finally:
            run([*compose, *files, "down", "--volumes", "--timeout", "2"], project, env=env)

    assert migrated.stdout.strip() == "0"
    assert restarts.stdout.strip() == "0"
    assert "'city': 'Oslo'" in result and FORECAST_DATE in result
