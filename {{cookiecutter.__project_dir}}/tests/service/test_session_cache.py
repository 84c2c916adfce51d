"""The per-process cache of session checks (AUTH_CACHE_SECONDS): every change made through this
process ends access at once, a change made elsewhere within the configured time, and the cache
stays bounded. (Two real processes: test_session_cache_processes.py.)"""

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.accounts import (
    disable_user,
    get_user,
    set_role,
)
from {{ cookiecutter.project_slug }}.service.auth.session_cache import SessionCache, SessionState
from {{ cookiecutter.project_slug }}.service.auth.sessions import delete_user
from {{ cookiecutter.project_slug }}.service.db import open_database
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, MakeUser, bearer, sign_in
from ..utils.postgres import BOTH_DATABASES

# Far longer than any test: only an eviction can end a cached session's access here.
LONG_CACHE_SECONDS = 60
NEW_PASSWORD = "a brand new passphrase"  # pragma: allowlist secret

Tokens = dict[str, str]


@pytest.fixture
def cache_seconds() -> float:
    return LONG_CACHE_SECONDS


@pytest.fixture
def settings(settings: Settings, cache_seconds: float) -> Settings:
    return settings.model_copy(update={"auth_cache_seconds": cache_seconds})


@pytest.fixture
def other_process(database_url: str) -> Iterator[Engine]:
    """The database as another process sees it: an engine of its own, with no cache to evict."""
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def me(client: TestClient, tokens: Tokens) -> int:
    return client.get("/users/me", headers=bearer(tokens["access_token"])).status_code


@pytest.fixture
def alice(client: TestClient, make_user: MakeUser) -> Tokens:
    """Alice signed in, her session checked once (so this process has it cached)."""
    make_user("alice")
    tokens: Tokens = sign_in(client, "alice")
    assert me(client, tokens) == 200
    return tokens


def as_admin(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("root", role="admin")
    return bearer(sign_in(client, "root")["access_token"])


def logout(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    assert client.post("/logout", headers=bearer(tokens["access_token"])).status_code == 204


def revoke(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    revoked = client.post("/revoke", data={"token": tokens["refresh_token"]})
    assert revoked.status_code == 200


def reuse_refresh_token(
    client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens
) -> None:
    for _ in range(2):  # the second use is a replay: the whole session ends
        client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})


def admin_disables(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    headers = as_admin(client, make_user)
    assert client.post("/admin/users/alice/disable", headers=headers).status_code == 204


def admin_signs_out(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    headers = as_admin(client, make_user)
    assert client.post("/admin/users/alice/logout", headers=headers).status_code == 204


def change_password(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = client.post(
        "/users/me/password", json=change, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 204


def change_role(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    set_role(db, get_user(db, "alice"), "admin")


def delete_account(client: TestClient, make_user: MakeUser, db: Session, tokens: Tokens) -> None:
    delete_user(db, get_user(db, "alice"))


EndAccess = Callable[[TestClient, MakeUser, Session, Tokens], None]


@BOTH_DATABASES
@pytest.mark.parametrize(
    "end_access",
    [
        logout,
        revoke,
        reuse_refresh_token,
        admin_disables,
        admin_signs_out,
        change_password,
        change_role,
        delete_account,
    ],
)
def test_a_change_through_this_process_ends_a_cached_session_at_once(
    client: TestClient, make_user: MakeUser, db: Session, alice: Tokens, end_access: EndAccess
) -> None:
    end_access(client, make_user, db, alice)

    refused = client.get("/users/me", headers=bearer(alice["access_token"]))
    assert refused.status_code == 401
    # The same answer as for any bad token: nothing says what ended the session.
    assert refused.json() == {"detail": "Not authenticated"}
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@BOTH_DATABASES
def test_a_change_made_elsewhere_waits_for_the_cached_read_to_age(
    client: TestClient, alice: Tokens, other_process: Engine
) -> None:
    # What makes the bound across processes a bound, not "at once": the cache is really used.
    with Session(other_process) as elsewhere:
        disable_user(elsewhere, get_user(elsewhere, "alice"))

    assert me(client, alice) == 200


@pytest.mark.parametrize("cache_seconds", [0])
def test_no_cache_sees_a_change_made_elsewhere_at_once(
    client: TestClient, alice: Tokens, other_process: Engine
) -> None:
    with Session(other_process) as elsewhere:
        disable_user(elsewhere, get_user(elsewhere, "alice"))

    assert me(client, alice) == 401


def state(user_id: int = 1) -> SessionState:
    return SessionState(user_id, "public", "alice", "user", 0, disabled=False, revoked=False)


def test_the_cache_forgets_the_least_recently_used_beyond_its_size() -> None:
    cache = SessionCache(LONG_CACHE_SECONDS, max_entries=3)
    for session_id in ("a", "b", "c"):
        cache.store(session_id, state(), read_at=time.monotonic(), evictions=0)
    assert cache.lookup("a") is not None  # used: "b" is now the least recent

    cache.store("d", state(), read_at=time.monotonic(), evictions=0)

    assert len(cache) == 3
    assert cache.lookup("b") is None
    assert all(cache.lookup(session_id) is not None for session_id in ("a", "c", "d"))


def test_an_entry_older_than_the_cache_time_is_read_again() -> None:
    cache = SessionCache(1.0)
    cache.store("old", state(), read_at=time.monotonic() - 1.5, evictions=0)
    cache.store("new", state(), read_at=time.monotonic(), evictions=0)

    assert cache.lookup("old") is None
    assert cache.lookup("new") is not None
    assert cache.lookup("new", max_age_seconds=0) is None  # a stricter reader reads again


def test_a_read_that_began_before_an_eviction_is_not_stored() -> None:
    # A request read the session, then a logout in this process committed and evicted: what the
    # request read may be the old state, which must not outlive the eviction.
    cache = SessionCache(LONG_CACHE_SECONDS)
    before = cache.evictions()
    cache.forget_user(2)

    cache.store("sid", state(), read_at=time.monotonic(), evictions=before)

    assert cache.lookup("sid") is None


def test_forgetting_a_user_forgets_all_of_their_sessions_and_no_one_elses() -> None:
    cache = SessionCache(LONG_CACHE_SECONDS)
    for session_id, user_id in (("a1", 1), ("a2", 1), ("b1", 2)):
        cache.store(session_id, state(user_id), read_at=time.monotonic(), evictions=0)

    cache.forget_user(1)

    assert [cache.lookup(session_id) is None for session_id in ("a1", "a2", "b1")] == [
        True,
        True,
        False,
    ]


def test_a_zero_cache_time_stores_nothing() -> None:
    cache = SessionCache(0)
    cache.store("sid", state(), read_at=time.monotonic(), evictions=0)

    assert len(cache) == 0


@pytest.mark.parametrize("seconds", ["-1", "61", "nan"])
def test_settings_refuse_a_cache_time_out_of_bounds(
    monkeypatch: pytest.MonkeyPatch, seconds: str
) -> None:
    monkeypatch.setenv("AUTH_CACHE_SECONDS", seconds)

    with pytest.raises(ValidationError, match=r"AUTH_CACHE_SECONDS must be from 0 \(no cache\)"):
        Settings()


@pytest.mark.parametrize("seconds", ["0", "60"])
def test_settings_accept_the_cache_times_at_the_bounds(
    monkeypatch: pytest.MonkeyPatch, seconds: str
) -> None:
    monkeypatch.setenv("AUTH_CACHE_SECONDS", seconds)

    assert Settings().auth_cache_seconds == float(seconds)
