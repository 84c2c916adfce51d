"""The tests cannot reach the internet: any non-loopback connection fails before it is made."""

import socket
import sys

import pytest


def test_non_loopback_connection_is_refused() -> None:
    # Raising the audit event by hand exercises the guard without sending anything anywhere.
    with (
        socket.socket() as sock,
        pytest.raises(ConnectionRefusedError, match="only connect to loopback"),
    ):
        sys.audit("socket.connect", sock, ("192.0.2.1", 443))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_connection_is_allowed(host: str) -> None:
    with socket.socket() as sock:
        sys.audit("socket.connect", sock, (host, 443))
