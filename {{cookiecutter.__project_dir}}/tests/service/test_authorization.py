"""Who may do what: roles per workflow, admin routes, every route guarded, docs and secrets."""

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.routing import BaseRoute

from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.auth.sessions import authenticate
from {{ cookiecutter.project_slug }}.service.auth.signing_key import InsecureSecretError
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import MakeUser, bearer, sign_in
from ..utils.postgres import BOTH_DATABASES
from ..utils.workflows import AddWorkflow

PUBLIC_ROUTES = {
    "/token",
    "/token/refresh",
    "/revoke",  # RFC 7009: the token to revoke is the credential
    "/.well-known/oauth-authorization-server",
    "/health",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/chat",  # the page: everything it shows comes from the routes below, with a token
}

# RFC 6750 §3.1: a missing role is a token without the needed scope, not a bad token.
INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope"'


def report(ui: Any, params: dict[str, Any]) -> str:
    return "report"


@pytest.fixture
def app_with_roles(settings: Settings, add_workflow: AddWorkflow) -> FastAPI:
    """The app with a second workflow, "admin_report", that only admins may run."""
    add_workflow("admin_report", report, ("admin",))
    return create_app(settings)


@BOTH_DATABASES
def test_discovery_lists_only_the_workflows_of_the_callers_role(
    app_with_roles: FastAPI, make_user: MakeUser
) -> None:
    make_user("alice", role="user")
    make_user("root", role="admin")
    client = TestClient(app_with_roles)

    def names(username: str, path: str) -> list[str]:
        token = sign_in(client, username)["access_token"]
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 200
        body = response.json()
        return sorted(item if isinstance(item, str) else item["name"] for item in body)

    assert names("alice", "/fastagency/discovery") == ["weather"]
    assert names("alice", "/") == ["weather"]
    assert names("root", "/fastagency/discovery") == ["admin_report", "weather"]


@BOTH_DATABASES
def test_starting_a_workflow_of_another_role_is_forbidden(
    app_with_roles: FastAPI, make_user: MakeUser
) -> None:
    make_user("alice", role="user")
    client = TestClient(app_with_roles)
    token = sign_in(client)["access_token"]
    start = {"workflow_name": "admin_report", "workflow_uuid": "x", "params": {}}

    response = client.post("/fastagency/initiate_workflow", json=start, headers=bearer(token))

    assert response.status_code == 403
    assert response.headers["www-authenticate"] == INSUFFICIENT_SCOPE


@BOTH_DATABASES
@pytest.mark.parametrize("action", ["disable", "logout"])
def test_admin_routes_refuse_users_and_serve_admins(
    client: TestClient, make_user: MakeUser, action: str
) -> None:
    make_user("alice", role="user")
    make_user("root", role="admin")
    victim = sign_in(client, "alice")["access_token"]

    as_user = client.post(f"/admin/users/alice/{action}", headers=bearer(victim))
    assert as_user.status_code == 403
    assert as_user.headers["www-authenticate"] == INSUFFICIENT_SCOPE
    admin = sign_in(client, "root")["access_token"]
    as_admin = client.post(f"/admin/users/alice/{action}", headers=bearer(admin))

    assert as_admin.status_code == 204
    assert client.get("/users/me", headers=bearer(victim)).status_code == 401


def flattened(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, including those of included routers (FastAPI 0.16x wraps those)."""
    for route in routes:
        nested = getattr(getattr(route, "original_router", None), "routes", None)
        if nested is None:
            yield route
        else:
            yield from flattened(nested)


def test_every_protected_route_refuses_anonymous_calls(app: FastAPI, client: TestClient) -> None:
    routes = [route for route in flattened(app.routes) if isinstance(route, APIRoute)]
    protected = [route for route in routes if route.path not in PUBLIC_ROUTES]
    assert len(protected) >= 7

    for route in protected:
        for method in route.methods or ():
            path = route.path.replace("{username}", "alice")
            response = client.request(method, path, json={})
            assert response.status_code == 401, (
                f"{method} {route.path} answered {response.status_code}"
            )


def test_every_protected_operation_declares_its_security(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]

    assert scheme["flows"]["password"]["tokenUrl"] == "token"  # relative: /token from the root
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in PUBLIC_ROUTES:
                assert "security" not in operation, f"{method} {path}"
            else:
                assert operation.get("security") == [{"OAuth2PasswordBearer": []}], (
                    f"{method} {path}"
                )


@pytest.mark.parametrize(
    ("environment", "enable_docs", "served"),
    [("production", None, False), ("production", True, True), ("development", None, True)],
)
def test_docs_are_off_in_production_unless_enabled(
    settings: Settings, environment: str, enable_docs: bool | None, served: bool
) -> None:
    app = create_app(
        settings.model_copy(update={"environment": environment, "enable_docs": enable_docs})
    )
    client = TestClient(app)

    assert (client.get("/docs").status_code == 200) is served
    assert (client.get("/openapi.json").status_code == 200) is served


def test_docs_load_swagger_ui_from_the_service_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs").text

    assert "/docs-assets/swagger-ui-bundle.js" in page and "/docs-assets/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "https://" not in page.split("<body")[0]
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert "oauth2" in client.get("/docs/oauth2-redirect").text.lower()


def test_docs_assets_are_not_served_in_production(settings: Settings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"enable_docs": None})))

    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 404


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "JWT_SECRET_KEY is not set"),
        ("too-short", "shorter than 32 bytes"),
        # FastAPI tutorial's example key, which the service must refuse.
        (
            "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",  # pragma: allowlist secret
            "published example",
        ),
    ],
)
def test_service_refuses_to_start_with_a_weak_signing_key(
    settings: Settings, key: str | None, problem: str
) -> None:
    with pytest.raises(InsecureSecretError, match=problem):
        create_app(
            Settings(**{**dict(settings), "jwt_secret_key": SecretStr(key) if key else None})
        )


def test_development_replaces_a_missing_key_with_a_random_one(settings: Settings) -> None:
    app = create_app(
        Settings(**{**dict(settings), "jwt_secret_key": None, "environment": "development"})
    )

    key = app.state.settings.jwt_secret_key.get_secret_value()
    assert len(key) >= 32


@BOTH_DATABASES
def test_the_user_a_route_receives_is_read_only(
    app: FastAPI, client: TestClient, make_user: MakeUser, settings: Settings
) -> None:
    make_user("alice")
    principal = authenticate(settings, app.state.engine, sign_in(client)["access_token"])

    with pytest.raises(dataclasses.FrozenInstanceError):
        principal.role = "admin"  # type: ignore[misc]
    assert (principal.username, principal.role) == ("alice", "user")


def test_settings_refuse_a_guessable_key_as_soon_as_they_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", "changeme")

    with pytest.raises(InsecureSecretError, match="published example value"):
        Settings()
