"""The workflows: which a user may run, and FastAgency's routes to run them (runs/adapter.py)."""

from fastapi import APIRouter

from ..deps import CurrentUser
from ..runs.adapter import SecuredFastAPIAdapter


def workflows_router(adapter: SecuredFastAPIAdapter) -> APIRouter:
    router = APIRouter(tags=["workflows"])

    @router.get("/", responses={401: {}})
    def list_workflows(user: CurrentUser) -> list[str]:
        """The names of the workflows you may run."""
        return adapter.workflows_for(user)

    router.include_router(adapter.router)
    return router
