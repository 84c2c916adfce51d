"""What every answer carries and never carries: security headers, body limits, no echoed secrets."""

import base64
import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ..utils.accounts import PASSWORD, MakeUser, bearer, sign_in

SECRET_VALUE = "a-refresh-token-nobody-may-read-back"  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/users/me"), ("GET", "/no-such-page"), ("POST", "/token")],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str
) -> None:
    headers = client.request(method, path).headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would mean nothing


def test_hsts_is_sent_when_the_service_is_reached_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        headers = client.get("/health").headers

    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_docs_page_may_run_only_its_own_script_and_local_files(client: TestClient) -> None:
    page = client.get("/docs")

    policy = page.headers["Content-Security-Policy"]
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_head_health_answers_200(client: TestClient) -> None:
    assert client.head("/health").status_code == 200


def test_body_declared_larger_than_the_cap_is_refused_unread(client: TestClient) -> None:
    body = b'{"refresh_token": "' + b"a" * 64 * 1024 + b'"}'

    response = client.post(
        "/token/refresh", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_chunked_body_over_the_cap_is_refused(client: TestClient) -> None:
    # A generator gives no Content-Length: the body arrives chunked and is counted as it is read.
    chunks = (b"a" * 16 * 1024 for _ in range(8))

    response = client.post(
        "/token/refresh", content=chunks, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413


def test_invalid_refresh_request_does_not_echo_the_token(client: TestClient) -> None:
    response = client.post("/token/refresh", json={"refresh_token": [SECRET_VALUE]})

    assert response.status_code == 422
    assert SECRET_VALUE not in response.text


def test_incomplete_password_change_does_not_echo_the_password(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user()
    token = sign_in(client)["access_token"]

    # No new_password: FastAPI's default answer repeats the whole body as the missing field's input.
    response = client.post(
        "/users/me/password", json={"current_password": PASSWORD}, headers=bearer(token)
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert PASSWORD not in response.text
