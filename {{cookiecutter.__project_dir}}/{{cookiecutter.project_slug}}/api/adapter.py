"""FastAgency's FastAPI adapter, with the holes of the stock one closed.

- Only workflows the caller's role may run are listed or started (403 otherwise).
- The websocket accepts only a workflow id that /fastagency/initiate_workflow issued to the same
  user, once, within a time limit; it runs the workflow and parameters recorded then. (The stock
  adapter trusts the id and name the client sends, so a second user could attach to a first
  user's workflow.)
- The authenticated user name reaches the workflow as params["user"].
- A workflow's exception reaches the client as a generic message with an incident id; the
  details go to the server log. Parameters are never logged.
"""

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from asyncer import asyncify
from fastagency.adapters.fastapi import FastAPIAdapter
from fastagency.adapters.fastapi.base import WorkflowInfo
from fastagency.base import ProviderProtocol
from fastagency.messages import Error, InitiateWorkflowModel, WorkflowCompleted
from fastapi import APIRouter, HTTPException, Response, WebSocket, status
from pydantic import BaseModel, ValidationError

from .deps import CurrentUser
from .users import User

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class IssuedWorkflow:
    user_id: str
    name: str
    params: dict[str, Any]
    expires: float


def failure_text(incident: str) -> str:
    """What the client is told of a failed workflow: no details, an id to find them in the log."""
    return f"The workflow failed (incident {incident})."


class WorkflowStartRequest(BaseModel):
    workflow_name: str
    params: dict[str, Any] = {}
    # Sent by FastAgency's own client, and ignored: the server picks the id and knows the user.
    workflow_uuid: str | None = None
    user_id: str | None = None


class SecuredFastAPIAdapter(FastAPIAdapter):  # type: ignore[misc]
    def __init__(
        self,
        provider: ProviderProtocol,
        *,
        roles: Mapping[str, Collection[str]],
        get_user_id: Callable[..., Awaitable[str]],
        start_timeout_seconds: float,
    ) -> None:
        self.roles = roles
        self.start_timeout_seconds = start_timeout_seconds
        self._issued: dict[str, IssuedWorkflow] = {}
        self._incidents: dict[str, str] = {}
        self._lock = threading.Lock()
        super().__init__(provider, get_user_id=get_user_id)

    def workflows_for(self, user: User) -> list[str]:
        return [name for name in self.provider.names if user.role in self.roles.get(name, ())]

    def _claim(self, workflow_uuid: str, user_id: str) -> IssuedWorkflow | None:
        """The workflow issued under this id to this user, at most once."""
        with self._lock:
            issued = self._issued.get(workflow_uuid)
            if issued is None or issued.user_id != user_id:
                return None
            del self._issued[workflow_uuid]
        return issued if time.monotonic() < issued.expires else None

    def setup_routes(self) -> APIRouter:
        router = APIRouter(tags=["workflows"])

        @router.get(self.discovery_path, responses={401: {}})
        def discovery(user: CurrentUser) -> list[WorkflowInfo]:
            """The workflows you may run."""
            return [
                WorkflowInfo(name=name, description=self.provider.get_description(name))
                for name in self.workflows_for(user)
            ]

        @router.post(self.initiate_workflow_path, responses={401: {}, 403: {}, 404: {}})
        def initiate_workflow(
            request: WorkflowStartRequest, user: CurrentUser
        ) -> InitiateWorkflowModel:
            """Reserve a run of a workflow; open the websocket with the returned id to start it."""
            if request.workflow_name not in self.provider.names:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such workflow")
            if request.workflow_name not in self.workflows_for(user):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to run this workflow")
            workflow_uuid = uuid.uuid4()
            params = {**request.params, "user": user.username}
            now = time.monotonic()
            with self._lock:
                # Forget reservations nobody claimed in time, so they cannot pile up.
                self._issued = {key: run for key, run in self._issued.items() if run.expires > now}
                self._issued[workflow_uuid.hex] = IssuedWorkflow(
                    user.username, request.workflow_name, params, now + self.start_timeout_seconds
                )
            return InitiateWorkflowModel(
                user_id=user.username,
                workflow_uuid=workflow_uuid,
                name=request.workflow_name,
                params=params,
            )

        @router.websocket(self.ws_path)
        async def websocket_endpoint(websocket: WebSocket) -> None:
            try:
                user_id = await self.get_user_id_websocket(websocket)
            except HTTPException as refusal:
                await websocket.send_denial_response(
                    Response(status_code=refusal.status_code, headers=refusal.headers)
                )
                return
            await websocket.accept()
            try:
                start = InitiateWorkflowModel.model_validate_json(await websocket.receive_text())
                issued = self._claim(start.workflow_uuid.hex, user_id)
            except ValidationError:
                issued = None
            if issued is None:
                await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
                return
            workflow_uuid = start.workflow_uuid.hex
            self.websockets[workflow_uuid] = websocket
            try:
                await asyncify(self.provider.run)(
                    name=issued.name,
                    ui=self.create_workflow_ui(workflow_uuid),
                    user_id=user_id,
                    **issued.params,
                )
            finally:
                self.websockets.pop(workflow_uuid, None)

        return router

    def visit_error(self, message: Error) -> str | None:
        incident = uuid.uuid4().hex[:12]
        logger.error(
            "workflow %s failed (incident %s): %s %s",
            message.workflow_uuid,
            incident,
            message.short,
            message.long,
        )
        self._incidents[message.workflow_uuid] = incident
        answer: str | None = self.visit_default(
            dataclasses.replace(message, short=failure_text(incident), long=None)
        )
        return answer

    def visit_workflow_completed(self, message: WorkflowCompleted) -> str | None:
        incident = self._incidents.pop(message.workflow_uuid, None)
        if incident is not None:
            # The stock result after an error is the exception text: replace it too.
            message = dataclasses.replace(message, result=failure_text(incident))
        answer: str | None = self.visit_default(message)
        return answer
