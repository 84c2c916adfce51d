"""The FastAPI service: `uvicorn {{ cookiecutter.project_slug }}.api.app:app`."""

import logging
import secrets
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from pydantic import SecretStr

from ..settings import Settings
from ..workflows import WORKFLOW_ROLES, wf
from . import auth_routes, user_routes
from .adapter import SecuredFastAPIAdapter
from .db import create_database
from .deps import CurrentUser, current_user_id

logger = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
# Secrets printed in documentation and tutorials: anyone can forge tokens signed with them.
PUBLISHED_SECRETS = frozenset(
    {
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
        "changeme",
        "change-me",
        "secret",
        "your-secret-key",
        "your_secret_key",
        "supersecretkey",
    }
)


class InsecureSecretError(RuntimeError):
    """JWT_SECRET_KEY is missing, too short or published."""


def signing_key_problem(settings: Settings) -> str | None:
    key = settings.jwt_secret_key.get_secret_value() if settings.jwt_secret_key else ""
    if not key:
        return "JWT_SECRET_KEY is not set"
    if key.lower() in PUBLISHED_SECRETS:
        return "JWT_SECRET_KEY is a published example value"
    if len(key.encode()) < MIN_SECRET_BYTES:
        return f"JWT_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def checked_settings(settings: Settings) -> Settings:
    """Refuse to serve with a weak signing key, except in development."""
    problem = signing_key_problem(settings)
    if problem is None:
        return settings
    if settings.environment != "development":
        raise InsecureSecretError(
            f"{problem}: set a random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    logger.warning("%s; using a random key for this run (ENVIRONMENT=development)", problem)
    return settings.model_copy(update={"jwt_secret_key": SecretStr(secrets.token_urlsafe(48))})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = checked_settings(settings or Settings())
    docs = settings.enable_docs
    if docs is None:
        docs = settings.environment == "development"
    title = "{{ cookiecutter.project_slug }}"
    if docs:
        # Swagger UI 5 from local files: FastAPI's default /docs loads it from a CDN.
        app = FastAPIOffline(title=title, redoc_url=None, static_url="/docs-assets")
    else:
        app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = create_database(settings.database_url)
    adapter = SecuredFastAPIAdapter(
        wf,
        roles=WORKFLOW_ROLES,
        get_user_id=current_user_id,
        settings=settings,
        engine=app.state.engine,
    )
    app.include_router(auth_routes.router)
    app.include_router(user_routes.router)
    app.include_router(adapter.router)

    @app.get("/", tags=["workflows"], responses={401: {}})
    def list_workflows(user: CurrentUser) -> list[str]:
        """The names of the workflows you may run."""
        return adapter.workflows_for(user)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def __getattr__(name: str) -> Any:
    # `app` is built on first access (uvicorn's), so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
