"""The generated service plus two routes for comparison, served by benchmarks/service_load.py.

GET /bench/public-discovery answers what GET /fastagency/discovery answers a caller whose role is
"user", by calling the very same endpoint function with a fixed user. It skips only the
authentication dependency (bearer token, token decode, session check), so the throughput
difference between the two routes is the cost of authentication.

GET /bench/jwt-only-discovery calls the same endpoint after checking the bearer token's signature
and claims only, as a service that never looks a session up would: the floor of authentication
by JWT. Against it, the real route shows what the session check (logout, disabled accounts,
revocation) adds.

    SERVICE_LOAD_PACKAGE=weather_agent uvicorn public_route_app:create_public_route_app \
        --factory --app-dir benchmarks

Settings come from the environment, as for `uvicorn --factory <package>.service.app:create_app`.
"""

import importlib
import os
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

PUBLIC_PATH = "/bench/public-discovery"
JWT_ONLY_PATH = "/bench/jwt-only-discovery"
DISCOVERY_PATH = "/fastagency/discovery"
PUBLIC_ROLE = "user"


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, including those of included routers (which recent FastAPI keeps nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def create_public_route_app() -> FastAPI:
    # The package name is the project's slug, so it cannot be imported by a fixed name.
    package = os.environ.get("SERVICE_LOAD_PACKAGE", "weather_agent")
    app: FastAPI = importlib.import_module(f"{package}.service.app").create_app()
    user_class = importlib.import_module(f"{package}.service.models").User
    discovery = next(
        route
        for route in api_routes(app.routes)
        if route.path == DISCOVERY_PATH and "GET" in (route.methods or ())
    )
    # Never added to a database session: the endpoint only reads its role.
    caller = user_class(username="bench-public", role=PUBLIC_ROLE)

    # A plain `def`, like the discovery endpoint, so both run in the same thread pool.
    def public_discovery() -> Any:
        return discovery.endpoint(caller)

    app.add_api_route(
        PUBLIC_PATH,
        public_discovery,
        methods=["GET"],
        response_model=discovery.response_model,
        tags=["benchmark"],
    )
    add_jwt_only_route(app, package, discovery)
    return app


def add_jwt_only_route(app: FastAPI, package: str, discovery: APIRoute) -> None:
    deps = importlib.import_module(f"{package}.service.deps")
    errors = importlib.import_module(f"{package}.service.errors")
    sessions = importlib.import_module(f"{package}.service.auth.sessions")

    # As the real dependency (async, the same token extraction and decoding), minus the session.
    async def jwt_only_user(
        token: Annotated[str | None, Depends(deps.oauth2_scheme)], settings: deps.SettingsDep
    ) -> Any:
        if not token:
            raise errors.not_authenticated()
        try:
            claims = sessions.access_claims(settings, token)
        except sessions.InvalidToken:
            raise errors.invalid_token() from None
        return sessions.Principal(
            0, claims["sub"], "bench-jwt-only", PUBLIC_ROLE, claims["sid"], claims["gen"]
        )

    def jwt_only_discovery(user: Annotated[Any, Depends(jwt_only_user)]) -> Any:
        return discovery.endpoint(user)

    app.add_api_route(
        JWT_ONLY_PATH,
        jwt_only_discovery,
        methods=["GET"],
        response_model=discovery.response_model,
        tags=["benchmark"],
    )
