"""Standard OAuth2 client libraries, used as a user of the service would, against a real server.

No code of ours sits between the library and the service: Authlib and requests-oauthlib sign in,
refresh, fail and revoke by RFC 6749, 7009 and 8414 alone. Access tokens last one minute here, as
in a deployment that keeps them short, so that clients must refresh them by themselves.
"""

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from oauthlib.oauth2 import InvalidGrantError, LegacyApplicationClient
from requests_oauthlib import OAuth2Session

from {{ cookiecutter.project_slug }}.service.auth import sign_in as sign_in_module
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, MakeUser, bearer
from ..utils.loopback import serve

WRONG_PASSWORD = "not alice's password at all"  # pragma: allowlist secret
CLIENT_ID = "a-public-client"  # the service registers no clients: any id is accepted


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access_token_expire_minutes": 1})


@pytest.fixture
def service(app: FastAPI, make_user: MakeUser) -> Iterator[str]:
    make_user("alice")
    with serve(app) as url:
        yield url


def test_authlib_signs_in_and_its_token_opens_the_service(service: str) -> None:
    with OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",  # a public client: no secret
        token_endpoint=f"{service}/token",
        base_url=service,
    ) as client:
        token = client.fetch_token(username="alice", password=PASSWORD)
        me = client.get("/users/me")

    assert token["token_type"] == "bearer"
    assert me.status_code == 200 and me.json()["username"] == "alice"


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_a_wrong_password_makes_authlib_raise_invalid_grant_instead_of_returning_a_token(
    service: str, username: str
) -> None:
    client = OAuth2Client(
        client_id=CLIENT_ID, token_endpoint_auth_method="none", token_endpoint=f"{service}/token"
    )
    with client, pytest.raises(OAuthError) as refused:
        client.fetch_token(username=username, password=WRONG_PASSWORD)

    assert refused.value.error == "invalid_grant"
    # The same words whether or not the account exists.
    assert refused.value.description == "Incorrect username or password"
    assert client.token is None


def test_authlib_refreshes_a_token_near_expiry_by_itself_and_the_old_refresh_token_then_fails(
    service: str,
) -> None:
    refreshed_from: list[str] = []

    def update_token(token: dict[str, Any], refresh_token: str, **_: Any) -> None:
        refreshed_from.append(refresh_token)  # Authlib's hook, called after it refreshed

    with OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",
        token_endpoint=f"{service}/token",
        base_url=service,
        update_token=update_token,
        leeway=90,  # refresh when under 90 s are left: a one-minute token always is
    ) as client:
        first = dict(client.fetch_token(username="alice", password=PASSWORD))
        me = client.get("/users/me")
        after_refresh = dict(client.token)

        with pytest.raises(OAuthError) as replayed:
            client.refresh_token(f"{service}/token", refresh_token=first["refresh_token"])

    assert refreshed_from == [first["refresh_token"]]
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert after_refresh["access_token"] != first["access_token"]
    assert after_refresh["refresh_token"] != first["refresh_token"]
    # A rotated refresh token coming back means it was stolen: refused, and the session ends.
    assert replayed.value.error == "invalid_grant"
    ended = httpx.get(f"{service}/users/me", headers=bearer(after_refresh["access_token"]))
    assert ended.status_code == 401


def test_authlib_revokes_at_the_endpoint_the_metadata_names_and_the_session_ends(
    service: str,
) -> None:
    metadata = httpx.get(f"{service}/.well-known/oauth-authorization-server").json()
    with OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",
        revocation_endpoint_auth_method="none",
        token_endpoint=metadata["token_endpoint"],
    ) as client:
        token = client.fetch_token(username="alice", password=PASSWORD)
        revoked = client.revoke_token(
            metadata["revocation_endpoint"],
            token=token["refresh_token"],
            token_type_hint="refresh_token",
        )

    assert set(metadata["grant_types_supported"]) == {"password", "refresh_token"}
    assert revoked.status_code == 200
    # Revoking the refresh token ended the session: its access token is refused as well.
    me = httpx.get(f"{service}/users/me", headers=bearer(token["access_token"]))
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_revoking_an_access_token_ends_its_session(service: str) -> None:
    with OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",
        revocation_endpoint_auth_method="none",
        token_endpoint=f"{service}/token",
    ) as client:
        token = client.fetch_token(username="alice", password=PASSWORD)
        client.revoke_token(f"{service}/revoke", token=token["access_token"])

    refresh = httpx.post(
        f"{service}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_revoking_an_unknown_token_answers_as_for_a_known_one(service: str, token: str) -> None:
    answer = httpx.post(f"{service}/revoke", data={"token": token})

    if token:
        assert answer.status_code == 200  # RFC 7009 §2.2: says nothing about the token
    else:
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_requests_oauthlib_signs_in_refreshes_and_fails_on_a_wrong_password(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib refuses plain http; the test server is on loopback, where TLS adds nothing.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    token_url = f"{service}/token"
    # It sends the client id as HTTP Basic credentials, which the service ignores.
    session = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))

    first = session.fetch_token(token_url, username="alice", password=PASSWORD)
    refreshed = session.refresh_token(token_url)
    me = session.get(f"{service}/users/me")

    assert refreshed["refresh_token"] != first["refresh_token"]
    assert me.status_code == 200 and me.json()["username"] == "alice"
    with pytest.raises(InvalidGrantError):
        session.fetch_token(token_url, username="alice", password=WRONG_PASSWORD)


def test_a_locked_sign_in_tells_authlib_to_come_back_later(service: str) -> None:
    client = OAuth2Client(
        client_id=CLIENT_ID, token_endpoint_auth_method="none", token_endpoint=f"{service}/token"
    )
    errors = []
    with client:
        for _ in range(4):  # login_max_failures is 3 in the test settings
            with pytest.raises(OAuthError) as refused:
                client.fetch_token(username="alice", password=WRONG_PASSWORD)
            errors.append(refused.value.error)

    assert errors == ["invalid_grant"] * 3 + ["temporarily_unavailable"]
    retried_too_soon = httpx.post(
        f"{service}/token", data={"grant_type": "password", "username": "alice", "password": "x"}
    )
    assert retried_too_soon.status_code == 429
    assert int(retried_too_soon.headers["retry-after"]) > 0


def test_a_sign_in_refused_while_every_hashing_slot_is_busy_says_so_to_oauth2_clients(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("alice")
    busy = threading.BoundedSemaphore(1)
    busy.acquire()  # as if another sign-in were hashing
    monkeypatch.setattr(sign_in_module, "_hash_slots", lambda size: busy)

    response = client.post("/token", data={"username": "alice", "password": PASSWORD})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"] == "temporarily_unavailable"


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code"])
def test_a_grant_the_service_does_not_offer_is_named_unsupported(
    client: TestClient, grant_type: str
) -> None:
    response = client.post("/token", data={"grant_type": grant_type, "code": "x"})

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert response.headers["cache-control"] == "no-store"


def test_a_parameter_sent_twice_is_an_invalid_request(client: TestClient) -> None:
    response = client.post(
        "/token",
        content="username=alice&username=bob&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_metadata_names_the_https_address_the_service_was_reached_at(app: FastAPI) -> None:
    # Behind a TLS proxy listed in --forwarded-allow-ips, uvicorn sets the scheme to https.
    with TestClient(app, base_url="https://weather.example") as client:
        metadata = client.get("/.well-known/oauth-authorization-server").json()

    assert metadata["issuer"] == "https://weather.example"
    assert metadata["token_endpoint"] == "https://weather.example/token"
    assert metadata["revocation_endpoint"] == "https://weather.example/revoke"
    assert metadata["token_endpoint_auth_methods_supported"] == ["none"]
