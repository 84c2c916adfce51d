"""The FastAPI service: `uvicorn {{ cookiecutter.project_slug }}.api.app:app`."""

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from ..settings import Settings
from ..workflows import WORKFLOW_ROLES, wf
from . import auth_routes, user_routes
from .access_log import drop_query_strings_from_uvicorn_logs
from .adapter import SecuredFastAPIAdapter
from .body_limit import BodySizeLimit
from .db import create_database
from .deps import CurrentUser, current_user_id
from .docs import add_swagger_ui
from .oauth_errors import OAuthError, oauth_error_response
from .security_headers import SecurityHeaders
from .signing_key import checked_settings
from .validation_errors import validation_error_without_input


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = checked_settings(settings or Settings())
    docs = settings.enable_docs
    if docs is None:
        docs = settings.environment == "development"
    app = FastAPI(
        title="{{ cookiecutter.project_slug }}",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        exception_handlers={
            RequestValidationError: validation_error_without_input,
            OAuthError: oauth_error_response,
        },
    )
    if docs:
        add_swagger_ui(app)
    # The last added runs first: the 413 refusals get the security headers too.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(SecurityHeaders)
    drop_query_strings_from_uvicorn_logs()
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
    @app.head("/health", include_in_schema=False)  # what many uptime probes send
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def __getattr__(name: str) -> Any:
    # `app` is built on first access (uvicorn's), so importing this module reads no settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
