"""Sign-in throttling against a real server, with clients connecting from different loopback
addresses (all of 127.0.0.0/8 is this machine): guessing is bounded per client address and per
account, a client that signed in before is never locked out by strangers, the counters hold
under parallel requests, and failed sign-ins cannot starve the service.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.auth import passwords, throttle
from {{ cookiecutter.project_slug }}.service.auth import sign_in as sign_in_module
from {{ cookiecutter.project_slug }}.service.models import AttemptCounter
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, MakeUser, bearer
from ..utils.loopback import serve
from ..utils.postgres import BOTH_DATABASES

pytestmark = BOTH_DATABASES

WRONG = "not the password at all"  # pragma: allowlist secret
WAIT_SECONDS = 60  # a bound on hangs, never an assertion about speed


def client_from(address: str, url: str) -> httpx.Client:
    """An HTTP client (with a cookie jar, as browsers have) connecting from `address`."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=url, transport=transport, timeout=WAIT_SECONDS)


def sign_in(client: httpx.Client, username: str, password: str, **kwargs: Any) -> int:
    data = {"username": username, "password": password}
    return client.post("/token", data=data, **kwargs).status_code


@pytest.fixture
def url(settings: Settings) -> Iterator[str]:
    """The service, served by uvicorn on 127.0.0.1 with its default proxy-header settings."""
    with serve(create_app(settings)) as base_url:
        yield base_url


def test_strangers_guessing_a_password_cannot_keep_its_user_out(
    url: str, make_user: MakeUser
) -> None:
    make_user("admin", role="admin")
    make_user("mallory")
    with client_from("127.0.0.3", url) as admin, client_from("127.0.0.2", url) as attacker:
        assert sign_in(admin, "admin", PASSWORD) == 200  # this client is now known to the account
        # Known to an account of their own, which must not help against anyone else's.
        assert sign_in(attacker, "mallory", PASSWORD) == 200

        answers = [sign_in(attacker, "admin", f"{WRONG} {n}") for n in range(20)]

        assert answers == [400] * 3 + [429] * 17  # login_max_failures=3 in the test settings
        assert sign_in(admin, "admin", PASSWORD) == 200
    with client_from("127.0.0.4", url) as new_client:
        # Guessing stays bounded: clients that never signed in wait for the window to end.
        assert sign_in(new_client, "admin", PASSWORD) == 429


def test_one_address_is_refused_after_the_limit_whatever_password_comes_next(
    url: str, make_user: MakeUser
) -> None:
    make_user()
    with client_from("127.0.0.2", url) as guesser:
        for name in ("ghost-1", "ghost-2", "ghost-3"):  # other accounts, none of them real
            assert sign_in(guesser, name, WRONG) == 400

        assert sign_in(guesser, "alice", PASSWORD) == 429
        # uvicorn trusts X-Forwarded-For only from --forwarded-allow-ips (127.0.0.1 by default).
        spoofed = {"X-Forwarded-For": "127.0.0.9"}
        assert sign_in(guesser, "alice", PASSWORD, headers=spoofed) == 429
    with client_from("127.0.0.3", url) as elsewhere:
        assert sign_in(elsewhere, "alice", PASSWORD) == 200  # the account itself is not locked


def test_behind_a_trusted_proxy_each_forwarded_address_is_counted_apart(
    url: str, make_user: MakeUser
) -> None:
    make_user()
    with client_from("127.0.0.1", url) as proxy:  # the address uvicorn trusts by default
        for name in ("ghost-1", "ghost-2", "ghost-3"):
            assert sign_in(proxy, name, WRONG, headers={"X-Forwarded-For": "198.51.100.7"}) == 400

        blocked = sign_in(proxy, "alice", PASSWORD, headers={"X-Forwarded-For": "198.51.100.7"})
        other = sign_in(proxy, "alice", PASSWORD, headers={"X-Forwarded-For": "198.51.100.8"})

    assert (blocked, other) == (429, 200)


def count_password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every password the server verifies (the server runs in this process)."""
    checked: list[str] = []
    real_verify = passwords.verify_password

    def counting_verify(password: str, stored_hash: str) -> tuple[bool, str | None]:
        checked.append(password)
        return real_verify(password, stored_hash)

    monkeypatch.setattr(sign_in_module, "verify_password", counting_verify)
    return checked


def all_at_once(requests: Sequence[Callable[[], int]]) -> list[int]:
    """Run the requests in parallel threads, released together."""
    start = threading.Barrier(len(requests))

    def run(request: Callable[[], int]) -> int:
        start.wait(timeout=WAIT_SECONDS)
        return request()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, requests))


def test_parallel_guesses_check_at_most_the_limit_of_passwords(
    settings: Settings, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough hashing slots for every guess: only the failure counter may bound them.
    roomy = settings.model_copy(update={"login_hash_concurrency": 64})
    checked = count_password_checks(monkeypatch)
    with serve(create_app(roomy)) as url:
        for trial in range(10):
            make_user(f"user-{trial}")
            checked.clear()
            # Each guess from its own address, so only the account's counter holds them back.
            clients = [client_from(f"127.0.{trial + 1}.{n + 10}", url) for n in range(30)]
            guesses = [
                partial(sign_in, client, f"user-{trial}", f"{WRONG} {n}")
                for n, client in enumerate(clients)
            ]

            answers = all_at_once(guesses)
            with client_from(f"127.0.{trial + 1}.200", url) as latecomer:
                right_password = sign_in(latecomer, f"user-{trial}", PASSWORD)
            for client in clients:
                client.close()

            assert len(checked) <= 3, f"trial {trial}: {len(checked)} passwords checked"
            assert sorted(answers) == [400] * len(checked) + [429] * (30 - len(checked))
            assert right_password == 429


def test_failed_sign_ins_in_parallel_leave_the_service_answering(
    settings: Settings, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user()
    generous = settings.model_copy(update={"login_max_failures": 100})  # hashing is the limit here
    release = threading.Event()
    entered = threading.Semaphore(0)
    real_verify = passwords.verify_password

    def slow_verify(password: str, stored_hash: str) -> tuple[bool, str | None]:
        entered.release()
        release.wait(timeout=WAIT_SECONDS)  # holds its hashing slot until the test lets go
        return real_verify(password, stored_hash)

    with serve(create_app(generous)) as url, client_from("127.0.0.5", url) as alice:
        token = alice.post("/token", data={"username": "alice", "password": PASSWORD}).json()
        monkeypatch.setattr(sign_in_module, "verify_password", slow_verify)
        clients = [client_from(f"127.0.0.{n + 10}", url) for n in range(20)]
        with ThreadPoolExecutor(len(clients)) as pool:
            pending = [
                pool.submit(sign_in, client, f"nobody-{n}", WRONG)
                for n, client in enumerate(clients)
            ]
            first_answers = []
            for done in as_completed(pending, timeout=WAIT_SECONDS):
                first_answers.append(done.result())
                if len(first_answers) == 18:
                    break

            assert first_answers == [503] * 18  # no slot free: refused at once, not queued
            # The other two hold login_hash_concurrency's default of 2 slots.
            assert all(entered.acquire(timeout=WAIT_SECONDS) for _ in range(2))
            me = alice.get("/users/me", headers=bearer(token["access_token"]))
            assert me.status_code == 200
            release.set()
            assert sorted(future.result() for future in pending) == [400] * 2 + [503] * 18
        for client in clients:
            client.close()


def test_wrong_current_passwords_count_like_failed_sign_ins(
    client: TestClient, app: FastAPI, make_user: MakeUser
) -> None:
    make_user()
    token = client.post("/token", data={"username": "alice", "password": PASSWORD}).json()
    thief = TestClient(app, client=("203.0.113.66", 4000))  # a stolen token, no device cookie
    headers = bearer(token["access_token"])

    def change(current: str) -> int:
        new = "a brand new passphrase"  # pragma: allowlist secret
        body = {"current_password": current, "new_password": new}
        return thief.post("/users/me/password", json=body, headers=headers).status_code

    assert [change(f"{WRONG} {n}") for n in range(3)] == [422] * 3
    assert change(PASSWORD) == 429
    # The thief's guesses count against the account for every client that never signed in.
    newcomer = TestClient(app, client=("198.51.100.20", 4000))
    signed_in = newcomer.post("/token", data={"username": "alice", "password": PASSWORD})
    assert signed_in.status_code == 429


def test_counters_whose_window_is_over_are_deleted(
    client: TestClient, settings: Settings, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def counted() -> set[str]:
        with Session(db.get_bind()) as fresh:
            return set(fresh.scalars(select(AttemptCounter.key)))

    client.post("/token", data={"username": "ghost", "password": WRONG})
    assert throttle.key("account", "ghost") in counted()
    later = throttle._now() + settings.login_failure_window_seconds + 1
    monkeypatch.setattr(throttle, "_now", lambda: later)

    client.post("/token", data={"username": "phantom", "password": WRONG})

    # A name that never signs in leaves no row behind once its window is over.
    assert counted() == {throttle.key("account", "phantom"), throttle.key("client", "testclient")}
