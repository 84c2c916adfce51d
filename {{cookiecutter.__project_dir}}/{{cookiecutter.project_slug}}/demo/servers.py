"""Serving the demo's apps with uvicorn on 127.0.0.1: the service in the main thread (where
Ctrl-C reaches it), the stand-ins in threads of their own."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
# Open websockets are closed at once on Ctrl-C; a workflow still running gets this long.
GRACEFUL_SHUTDOWN_SECONDS = 5


def bind_loopback(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:`port` (0: a free port), or OSError when it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://{LOOPBACK}:{sock.getsockname()[1]}"


@contextmanager
def serving_in_a_thread(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yield its base URL; stop it afterwards."""
    with bind_loopback(0) as sock:
        # No lifespan: the stand-ins have none.
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if not server.started:
                raise RuntimeError(f"the stand-in at {url_of(sock)} did not start")
            yield url_of(sock)
        finally:
            server.should_exit = True
            thread.join(timeout=START_TIMEOUT_SECONDS)


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls `announce` once it accepts connections, so that what it
    prints (the URL) works by the time anyone reads it."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.announce()


def serve_until_stopped(app: Any, sock: socket.socket, announce: Callable[[], None]) -> bool:
    """Serve `app` on `sock` in this thread until SIGINT or SIGTERM; whether it started (when
    not, uvicorn has logged why)."""
    config = uvicorn.Config(
        app, log_level="warning", timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS
    )
    server = AnnouncingServer(config, announce)
    server.run(sockets=[sock])
    return server.started
