"""The workflows: which a user may run, and FastAgency's routes to run them (runs/adapter.py)."""

from fastapi import APIRouter, Depends, HTTPException, Request, status

from ..deps import CurrentUser
from ..runs.adapter import SecuredFastAPIAdapter


async def send_browsers_to_the_chat_page(request: Request) -> None:
    """A browser opening the service's address gets the chat page; API clients, which do not
    ask for HTML, get the JSON list."""
    if "text/html" in request.headers.get("accept", ""):
        # Relative, so that it holds behind a proxy's path prefix too.
        raise HTTPException(status.HTTP_303_SEE_OTHER, "See the chat page", {"Location": "chat"})


def workflows_router(adapter: SecuredFastAPIAdapter) -> APIRouter:
    router = APIRouter(tags=["workflows"])

    # The redirect is decided before the token is checked: a browser sends none.
    @router.get(
        "/", dependencies=[Depends(send_browsers_to_the_chat_page)], responses={303: {}, 401: {}}
    )
    def list_workflows(user: CurrentUser) -> list[str]:
        """The names of the workflows you may run (a browser asking for HTML is sent to /chat)."""
        return adapter.workflows_for(user)

    router.include_router(adapter.router)
    return router
