"""The FastAPI service: `uvicorn --factory {{ cookiecutter.project_slug }}.service.app:create_app`."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import SecretStr

from ..settings import Settings
from ..workflows import WORKFLOW_ROLES, wf
from .auth.session_cache import install_cache
from .auth.signing_key import service_signing_key
from .db import open_configured_database
from .deps import current_user_id
from .docs import add_swagger_ui
from .errors import OAuthError, oauth_error_response, validation_error_without_input
from .middleware.access_log import drop_query_strings_from_uvicorn_logs
from .middleware.body_limit import BodySizeLimit
from .middleware.security_headers import SecurityHeaders
from .routes import admin, auth, health, users
from .routes.chat import add_chat_page
from .routes.workflows import workflows_router
from .runs.adapter import SecuredFastAPIAdapter
from .schema import check_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    key = settings.jwt_secret_key.get_secret_value() if settings.jwt_secret_key else None
    development = settings.environment == "development"
    # Once per app, so a development stand-in key is made (and logged) once, not per Settings().
    signing_key = SecretStr(service_signing_key(key, development=development))
    settings = settings.model_copy(update={"jwt_secret_key": signing_key})
    docs = settings.enable_docs
    if docs is None:
        docs = development
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
    app.state.engine = open_configured_database(settings)
    check_schema(app.state.engine)  # an out-of-date schema: refuse now, naming the command to run
    install_cache(app.state.engine, settings.auth_cache_seconds)
    adapter = SecuredFastAPIAdapter(
        wf,
        roles=WORKFLOW_ROLES,
        get_user_id=current_user_id,
        settings=settings,
        engine=app.state.engine,
    )
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(admin.router)
    app.include_router(workflows_router(adapter))
    app.include_router(health.router)
    add_chat_page(app, settings)
    return app
