"""Signing in: one answer for every failure, lockout, password rules and hashing."""

import logging

import pytest
from fastapi.testclient import TestClient
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.accounts import disable_user
from {{ cookiecutter.project_slug }}.service.auth import passwords
from {{ cookiecutter.project_slug }}.service.auth import sign_in as sign_in_module
from {{ cookiecutter.project_slug }}.service.auth.passwords import PasswordRejected
from {{ cookiecutter.project_slug }}.service.models import User

from ..utils.accounts import PASSWORD, MakeUser, bearer, sign_in

# RFC 6749 §5.2: OAuth2 client libraries raise on the `error` member (and only on it).
REFUSED = {"error": "invalid_grant", "error_description": "Incorrect username or password"}


def attempt(client: TestClient, username: str, password: str) -> tuple[int, object]:
    response = client.post("/token", data={"username": username, "password": password})
    return response.status_code, response.json()


def test_good_login_gives_tokens_that_are_not_cached(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user()

    response = client.post("/token", data={"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"] and body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    me = client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.json() == {"username": "alice", "role": "user"}


def test_sign_in_gives_the_client_a_device_cookie_out_of_reach_of_scripts(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user()

    response = client.post("/token", data={"username": "alice", "password": PASSWORD})

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("login_device=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http here: a secure cookie would never come back


def test_unknown_user_and_wrong_password_are_indistinguishable(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user()
    hashes_checked: list[str] = []
    real_verify = passwords.verify_password

    def counting_verify(password: str, stored_hash: str) -> tuple[bool, str | None]:
        hashes_checked.append(stored_hash)
        return real_verify(password, stored_hash)

    monkeypatch.setattr(sign_in_module, "verify_password", counting_verify, raising=True)

    assert attempt(client, "nobody", PASSWORD) == (400, REFUSED)
    assert attempt(client, "alice", "wrong password!") == (400, REFUSED)
    # Both cost one argon2id verification: the unknown user against a dummy hash.
    assert len(hashes_checked) == 2
    assert all(stored.startswith("$argon2id$") for stored in hashes_checked)


def test_disabled_user_gets_the_same_refusal_and_no_token(
    client: TestClient, make_user: MakeUser, db: Session
) -> None:
    disable_user(db, make_user())

    assert attempt(client, "alice", PASSWORD) == (400, REFUSED)


@pytest.mark.parametrize(
    "form",
    [{}, {"username": "alice"}, {"password": PASSWORD}, {"username": "alice", "password": ""}],
)
def test_missing_form_fields_are_an_invalid_request_as_oauth2_clients_expect(
    client: TestClient, form: dict[str, str]
) -> None:
    response = client.post("/token", data=form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_repeated_failures_lock_the_account_for_clients_that_never_signed_in_to_it(
    app: object, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    make_user()
    first = TestClient(app, client=("198.51.100.1", 5000))  # type: ignore[arg-type]
    second = TestClient(app, client=("203.0.113.9", 5000))  # type: ignore[arg-type]
    caplog.set_level(logging.WARNING)

    for _ in range(3):  # login_max_failures in the test settings
        assert attempt(first, "alice", "wrong password 1")[0] == 400
    status, body = attempt(second, "alice", PASSWORD)

    assert status == 429
    assert body == {
        "error": "temporarily_unavailable",
        "error_description": "Too many failed sign-in attempts: try again later",
    }
    assert "locked" in caplog.text
    assert "wrong password 1" not in caplog.text and PASSWORD not in caplog.text


def test_overlong_password_is_refused_without_hashing(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user()
    hashed: list[int] = []
    monkeypatch.setattr(sign_in_module, "verify_password", lambda *_: hashed.append(1))

    # 60 kB: under the request body cap (64 KiB), which refuses larger bodies before login runs.
    assert attempt(client, "alice", "x" * 60_000) == (400, REFUSED)
    assert hashed == []
    with pytest.raises(PasswordRejected, match="at most 128 characters"):
        make_user("bob", "y" * 1_000_000)


def test_sixty_four_character_password_is_accepted(client: TestClient, make_user: MakeUser) -> None:
    long_password = "a quite long passphrase that is exactly sixty-four chars long..!"  # pragma: allowlist secret
    assert len(long_password) == 64
    make_user("carol", long_password)

    assert sign_in(client, "carol", long_password)["access_token"]


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "at least 8"),
        ("password123", "most commonly used"),
        ("QWERTY123", "most commonly used"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(
    make_user: MakeUser, db: Session, password: str, rule: str
) -> None:
    with pytest.raises(PasswordRejected, match=rule):
        make_user("dave", password)
    assert db.query(User).filter_by(username="dave").first() is None


def test_stored_hash_is_argon2id_at_owasp_strength(make_user: MakeUser) -> None:
    user = make_user()

    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in user.password_hash


def test_bcrypt_hash_is_accepted_once_and_upgraded(
    client: TestClient, make_user: MakeUser, db: Session
) -> None:
    user = make_user()
    user.password_hash = BcryptHasher().hash(PASSWORD)
    db.commit()

    sign_in(client)

    db.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert sign_in(client)["access_token"]
