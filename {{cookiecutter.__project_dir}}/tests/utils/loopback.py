"""Run an ASGI app on 127.0.0.1 in a background thread, and keep tests off the internet."""

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

START_TIMEOUT_SECONDS = 10.0


def free_port() -> int:
    """A loopback port nobody listens on (for a server in another process to take)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalServer:
    url: str
    app: FastAPI

    @property
    def state(self) -> Any:
        return self.app.state


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port; yield its base URL; stop it afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # No lifespan: these apps have none, and a forced exit would log its cancellation.
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(int(START_TIMEOUT_SECONDS / 0.01)):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not server.started:
            raise RuntimeError(f"test server on port {port} did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        # Tests are over: no need to wait (up to a second) for idle keep-alive connections.
        server.should_exit = server.force_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
        sock.close()


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # Unix sockets never leave the machine.
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_non_loopback_connections() -> None:
    """Make any connection to a non-loopback address fail loudly, for the whole process."""

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect" and not _is_loopback(args[1]):
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {args[1]}")

    sys.addaudithook(audit)
