"""Tokens: every forged, expired or revoked token is refused; refresh tokens rotate."""

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.accounts import disable_user, get_user
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, SIGNING_KEY, MakeUser, bearer, sign_in
from ..utils.loopback import serve
from ..utils.postgres import BOTH_DATABASES

pytestmark = BOTH_DATABASES

NEW_PASSWORD = "a brand new passphrase"  # pragma: allowlist secret
WRONG_PASSWORD = "not it at all"  # pragma: allowlist secret


def me(client: TestClient, headers: dict[str, str]) -> int:
    return client.get("/users/me", headers=headers).status_code


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def signed(claims: dict[str, Any], key: str = SIGNING_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm)


@pytest.fixture
def tokens(client: TestClient, make_user: MakeUser) -> dict[str, Any]:
    make_user()
    return sign_in(client)  # type: ignore[no-any-return]


def test_valid_access_token_is_accepted(client: TestClient, tokens: dict[str, Any]) -> None:
    assert me(client, bearer(tokens["access_token"])) == 200


def unsigned_none_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def forged_headers(case: str, access_token: str, refresh_token: str) -> dict[str, str]:
    claims = claims_of(access_token)
    now = datetime.now(timezone.utc)
    header, _, signature = access_token.split(".")
    tampered = {**claims, "sub": "admin"}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(tampered).encode()).rstrip(b"=")
    return {
        "no header": {},
        "wrong scheme": {"Authorization": f"Basic {access_token}"},
        "garbage": bearer("not-a-token"),
        "alg none": bearer(unsigned_none_token(claims)),
        "wrong key": bearer(signed(claims, key="another-key-that-is-long-enough-0123456789")),
        "tampered payload": bearer(f"{header}.{tampered_payload.decode()}.{signature}"),
        "expired": bearer(signed({**claims, "exp": now - timedelta(seconds=1)})),
        "missing claims": bearer(signed({"sub": claims["sub"], "exp": claims["exp"]})),
        "wrong audience": bearer(signed({**claims, "aud": "another-api"})),
        "wrong issuer": bearer(signed({**claims, "iss": "someone-else"})),
        "refresh token as access token": bearer(refresh_token),
    }[case]


@pytest.mark.parametrize(
    "case",
    [
        "no header",
        "wrong scheme",
        "garbage",
        "alg none",
        "wrong key",
        "tampered payload",
        "expired",
        "missing claims",
        "wrong audience",
        "wrong issuer",
        "refresh token as access token",
    ],
)
def test_bad_token_is_refused(client: TestClient, tokens: dict[str, Any], case: str) -> None:
    headers = forged_headers(case, tokens["access_token"], tokens["refresh_token"])

    response = client.get("/users/me", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    # RFC 6750 §3.1: a token that was sent and refused is named as the problem (so that a client
    # signs in again); a request without one gets a bare challenge.
    if case in ("no header", "wrong scheme"):
        assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_logout_revokes_both_tokens_whatever_their_spelling(
    client: TestClient, tokens: dict[str, Any]
) -> None:
    access = tokens["access_token"]

    assert client.post("/logout", headers=bearer(access)).status_code == 204

    assert me(client, bearer(access)) == 401
    assert me(client, bearer(access + "=")) == 401  # PyJWT accepts the padded spelling
    refreshed = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


def test_logout_ends_only_that_session(client: TestClient, tokens: dict[str, Any]) -> None:
    other = sign_in(client)

    client.post("/logout", headers=bearer(tokens["access_token"]))

    assert me(client, bearer(other["access_token"])) == 200


def test_password_change_revokes_every_token(client: TestClient, tokens: dict[str, Any]) -> None:
    other = sign_in(client)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    response = client.post(
        "/users/me/password", json=change, headers=bearer(tokens["access_token"])
    )

    assert response.status_code == 204
    assert me(client, bearer(tokens["access_token"])) == 401
    assert me(client, bearer(other["access_token"])) == 401
    assert sign_in(client, password=NEW_PASSWORD)["access_token"]


def test_password_change_needs_the_current_password(
    client: TestClient, tokens: dict[str, Any]
) -> None:
    change = {"current_password": WRONG_PASSWORD, "new_password": NEW_PASSWORD}

    response = client.post(
        "/users/me/password", json=change, headers=bearer(tokens["access_token"])
    )

    assert response.status_code == 422
    assert me(client, bearer(tokens["access_token"])) == 200


def test_disabling_a_user_revokes_every_token(
    client: TestClient, tokens: dict[str, Any], db: Session, make_user: MakeUser
) -> None:
    disable_user(db, get_user(db, "alice"))

    assert me(client, bearer(tokens["access_token"])) == 401
    refreshed = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(
    client: TestClient, tokens: dict[str, Any]
) -> None:
    rotated = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    new = rotated.json()
    assert me(client, bearer(new["access_token"])) == 200

    replay = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert replay.status_code == 401
    # The thief's replay ended the session: the legitimate new tokens stop working too.
    assert me(client, bearer(new["access_token"])) == 401
    again = client.post("/token/refresh", json={"refresh_token": new["refresh_token"]})
    assert again.status_code == 401


def refresh_twice_at_once(client: httpx.Client, refresh_token: str) -> list[httpx.Response]:
    start = threading.Barrier(2)

    def refresh(_: int) -> httpx.Response:
        start.wait(timeout=60)
        return client.post("/token/refresh", json={"refresh_token": refresh_token})

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(refresh, range(2)))


def test_parallel_refreshes_with_one_token_never_both_succeed(
    settings: Settings, make_user: MakeUser
) -> None:
    make_user()
    with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        for trial in range(20):
            signed_in = client.post("/token", data={"username": "alice", "password": PASSWORD})

            answers = refresh_twice_at_once(client, signed_in.json()["refresh_token"])

            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [200, 401], f"trial {trial}: {statuses}"
            # The token was used twice, as a thief's replay would: the session ends for both.
            winner = next(answer.json() for answer in answers if answer.status_code == 200)
            me = client.get("/users/me", headers=bearer(winner["access_token"]))
            assert me.status_code == 401, f"trial {trial}"


def test_access_token_cannot_refresh(client: TestClient, tokens: dict[str, Any]) -> None:
    response = client.post("/token/refresh", json={"refresh_token": tokens["access_token"]})

    assert response.status_code == 401


def test_tokens_carry_the_expected_claims(
    tokens: dict[str, Any], settings: Settings, db: Session
) -> None:
    access = jwt.decode(
        tokens["access_token"],
        SIGNING_KEY,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )

    assert {"sub", "exp", "iat", "jti", "iss", "aud", "typ"} <= set(access)
    assert access["typ"] == "access"
    # The account's public id, never its name: names are reused, public ids are not.
    assert access["sub"] == get_user(db, "alice").public_id != "alice"
    assert access["exp"] - access["iat"] == settings.access_token_expire_minutes * 60
    assert claims_of(tokens["refresh_token"])["typ"] == "refresh"
