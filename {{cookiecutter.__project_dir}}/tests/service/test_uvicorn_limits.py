"""The service run with the README's production command: a huge body, its log, HTTPS behind a proxy."""

import select
import socket
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from ..utils.loopback import free_port
from ..utils.service_processes import (
    UvicornProcess,
    readme_serve_command,
    service_environment,
    serving,
    upgrade_schema,
)
from ..utils.websocket_client import close_of

BODY_MEGABYTES = 200
MEGABYTE = b"a" * 1024 * 1024
# Far below the body's size: holding it in memory once (let alone parsing it) exceeds this.
MAX_PEAK_GROWTH_KILOBYTES = 50 * 1024
SECRET_IN_URL = "a-token-someone-put-in-a-url"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def uvicorn_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UvicornProcess]:
    """The service as the README runs it in production, on loopback, its output in a file."""
    folder = tmp_path_factory.mktemp("uvicorn")
    env = service_environment(f"sqlite:///{folder / 'users.db'}")
    upgrade_schema(folder, env)
    with serving((readme_serve_command(free_port()), folder / "uvicorn.log"), env=env) as [server]:
        yield server


def post_streamed(port: int, path: str, head: dict[str, str], chunks: Iterator[bytes]) -> bytes:
    """POST a body chunk by chunk on a raw socket; stop sending once the server has answered.

    An HTTP client would insist on sending the whole body, or fail with a broken pipe when the
    server hangs up mid-body, before showing the answer that came first.
    """
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in head.items())]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in chunks:
            answered, _, _ = select.select([connection], [], [], 0)
            if answered:
                break
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        return connection.recv(65536)


def chunked(body: Iterator[bytes]) -> Iterator[bytes]:
    """HTTP/1.1 chunked framing: the server learns the body's size only by reading it."""
    for piece in body:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def json_refresh_request(megabytes: int) -> Iterator[bytes]:
    yield b'{"refresh_token": "'
    for _ in range(megabytes):
        yield MEGABYTE
    yield b'"}'


@pytest.mark.parametrize(
    "framing",
    [
        {"Transfer-Encoding": "chunked"},
        {"Content-Length": str(BODY_MEGABYTES * len(MEGABYTE) + 21)},
    ],
    ids=["chunked", "content-length"],
)
def test_200_megabyte_body_to_token_refresh_is_refused_without_growing_memory(
    uvicorn_process: UvicornProcess, framing: dict[str, str]
) -> None:
    # A small bad request first, so the baseline includes what any first request allocates.
    assert httpx.post(f"{uvicorn_process.url}/token/refresh", json={}).status_code == 422
    before = uvicorn_process.peak_memory_kilobytes()
    body = json_refresh_request(BODY_MEGABYTES)
    if "Transfer-Encoding" in framing:
        body = chunked(body)

    answer = post_streamed(
        uvicorn_process.port,
        "/token/refresh",
        {"Content-Type": "application/json", **framing},
        body,
    )

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert uvicorn_process.peak_memory_kilobytes() - before < MAX_PEAK_GROWTH_KILOBYTES


def test_access_log_carries_no_query_strings(uvicorn_process: UvicornProcess) -> None:
    response = httpx.get(f"{uvicorn_process.url}/health", params={"access_token": SECRET_IN_URL})

    assert response.status_code == 200
    log = uvicorn_process.log.read_text()
    assert '"GET /health HTTP/1.1" 200' in log
    assert SECRET_IN_URL not in log and "access_token" not in log


def test_websocket_handshake_log_carries_no_query_string(uvicorn_process: UvicornProcess) -> None:
    ws_url = uvicorn_process.url.replace("http://", "ws://") + "/fastagency/ws"

    with pytest.raises(InvalidStatus):  # no credential: refused
        connect(f"{ws_url}?access_token={SECRET_IN_URL}", open_timeout=10)
    with connect(f"{ws_url}?ticket={SECRET_IN_URL}", open_timeout=10) as websocket:
        assert close_of(websocket)[0] == 1008  # an unknown ticket: closed after the handshake

    log = uvicorn_process.log.read_text()
    assert (
        '"WebSocket /fastagency/ws" 401' in log and '"WebSocket /fastagency/ws" [accepted]' in log
    )
    assert SECRET_IN_URL not in log


def test_https_reported_by_the_trusted_proxy_turns_hsts_on(uvicorn_process: UvicornProcess) -> None:
    # The test client is 127.0.0.1: the address the README's --forwarded-allow-ips trusts.
    behind_tls = httpx.get(f"{uvicorn_process.url}/health", headers={"X-Forwarded-Proto": "https"})
    plain = httpx.get(f"{uvicorn_process.url}/health")

    assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers
    assert "server" not in plain.headers  # --no-server-header
