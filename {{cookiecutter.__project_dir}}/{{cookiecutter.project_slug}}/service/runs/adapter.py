"""FastAgency's FastAPI adapter, with the holes of the stock one closed.

- Only workflows the caller's role may run are listed or started (403 otherwise).
- The websocket accepts only a workflow id that /fastagency/initiate_workflow issued to the same
  user, once, within a time limit; it runs the workflow and parameters recorded then. (The stock
  adapter trusts the id and name the client sends, so a second user could attach to a first
  user's workflow.) Reservations live in the database: the websocket may reach another process.
- Workflows run in threads of their own, limited in total and per user in each process (they
  are this process's capacity), and a user's unstarted reservations are limited too (across
  processes): over a limit the answer is 429 or 503 with Retry-After. A question waits for its
  answer at most WORKFLOW_INPUT_TIMEOUT_SECONDS.
- The caller's session is checked again every WORKFLOW_SESSION_CHECK_SECONDS while a workflow
  runs: a logout, a disabled account or an expired access token ends it (close code 1008), in
  any process, within twice that time.
- The authenticated user name reaches the workflow as params["user"].
- A workflow's exception reaches the client as a generic message with an incident id; the
  details go to the server log. Parameters are never logged.
- A completed workflow closes its websocket with 1000; any other close carries a reason and an
  incident id that the server log explains.
"""

import asyncio
import contextlib
import dataclasses
import json
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastagency.adapters.fastapi import FastAPIAdapter
from fastagency.adapters.fastapi.base import WorkflowInfo
from fastagency.base import ProviderProtocol
from fastagency.messages import Error, InitiateWorkflowModel, IOMessage, WorkflowCompleted
from fastapi import APIRouter, HTTPException, Response, WebSocket, WebSocketDisconnect, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import Engine

from ...settings import Settings
from ..auth.sessions import (
    InvalidToken,
    Principal,
    access_claims,
    read_principal,
    remembered_principal,
)
from ..deps import CurrentUser
from ..errors import insufficient_role
from .reservations import Reservation, Reservations, TooManyReservations
from .socket import Closing, RunEnded, WorkflowSocket
from .threads import AllThreadsBusy, NoRoomToRun, WorkflowThreads

logger = logging.getLogger(__name__)

# The provider's own arguments: params with these names would collide with them.
RESERVED_PARAMS = frozenset({"name", "ui", "user_id"})


def new_incident() -> str:
    return uuid.uuid4().hex[:12]


def failure_text(incident: str) -> str:
    """What the client is told of a failed workflow: no details, an id to find them in the log."""
    return f"The workflow failed (incident {incident})."


class WorkflowStartRequest(BaseModel):
    workflow_name: str
    params: dict[str, Any] = {}
    # Sent by FastAgency's own client, and ignored: the server picks the id and knows the user.
    workflow_uuid: str | None = None
    user_id: str | None = None

    @field_validator("params")
    @classmethod
    def no_reserved_names(cls, params: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(RESERVED_PARAMS & params.keys())
        if reserved:
            raise ValueError(f"parameter names reserved by the server: {', '.join(reserved)}")
        return params

    @field_validator("params")
    @classmethod
    def storable(cls, params: dict[str, Any]) -> dict[str, Any]:
        # Python's JSON parser accepts NaN and Infinity, which are not JSON: the database
        # (PostgreSQL's json type) would refuse the reservation with an error.
        try:
            json.dumps(params, allow_nan=False)
        except ValueError:
            raise ValueError("parameters must be JSON: no NaN or Infinity") from None
        return params


def too_busy(refusal: NoRoomToRun | TooManyReservations) -> HTTPException:
    code = status.HTTP_503_SERVICE_UNAVAILABLE
    if not isinstance(refusal, AllThreadsBusy):
        code = status.HTTP_429_TOO_MANY_REQUESTS
    return HTTPException(
        code, str(refusal), headers={"Retry-After": str(refusal.retry_after_seconds)}
    )


class SecuredFastAPIAdapter(FastAPIAdapter):  # type: ignore[misc]
    def __init__(
        self,
        provider: ProviderProtocol,
        *,
        roles: Mapping[str, Collection[str]],
        get_user_id: Callable[..., Awaitable[str]],
        settings: Settings,
        engine: Engine,
    ) -> None:
        self.roles = roles
        self.settings = settings
        self.engine = engine
        self.reservations = Reservations(
            engine,
            lifetime_seconds=settings.workflow_start_timeout_seconds,
            max_per_user=settings.workflow_max_reservations_per_user,
        )
        self.threads = WorkflowThreads(
            max_running=settings.workflow_max_running,
            max_per_user=settings.workflow_max_running_per_user,
        )
        # Session checks get threads of their own: in the request pool they would wait behind
        # requests, and in the workflows' pool behind the workflows they are meant to stop.
        self._session_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="session")
        self._sockets: dict[str, WorkflowSocket] = {}
        self._incidents: dict[str, str] = {}
        self._lock = threading.Lock()
        super().__init__(provider, get_user_id=get_user_id)

    def workflows_for(self, user: Principal) -> list[str]:
        return [name for name in self.provider.names if user.role in self.roles.get(name, ())]

    def setup_routes(self) -> APIRouter:
        router = APIRouter(tags=["workflows"])

        @router.get(self.discovery_path, responses={401: {}})
        def discovery(user: CurrentUser) -> list[WorkflowInfo]:
            """The workflows you may run."""
            return [
                WorkflowInfo(name=name, description=self.provider.get_description(name))
                for name in self.workflows_for(user)
            ]

        @router.post(
            self.initiate_workflow_path, responses={401: {}, 403: {}, 404: {}, 429: {}, 503: {}}
        )
        def initiate_workflow(
            request: WorkflowStartRequest, user: CurrentUser
        ) -> InitiateWorkflowModel:
            """Reserve a run of a workflow; open the websocket with the returned id to start it."""
            if request.workflow_name not in self.provider.names:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such workflow")
            if request.workflow_name not in self.workflows_for(user):
                raise insufficient_role("not allowed to run this workflow")
            params = {**request.params, "user": user.username}
            try:
                self.threads.check_room(user.public_id)
                reservation_id = self.reservations.reserve(
                    user.public_id, request.workflow_name, params
                )
            except (NoRoomToRun, TooManyReservations) as refusal:
                raise too_busy(refusal) from None
            return InitiateWorkflowModel(
                user_id=user.public_id,
                workflow_uuid=uuid.UUID(reservation_id),
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
            socket = WorkflowSocket(
                websocket,
                input_timeout_seconds=self.settings.workflow_input_timeout_seconds,
                max_message_bytes=self.settings.websocket_max_message_bytes,
            )
            failure: Exception | None = None
            try:
                closing = await self._serve(socket, user_id)
            except RunEnded as ended:
                closing = ended.closing
            except Exception as error:
                failure, closing = error, Closing(status.WS_1011_INTERNAL_ERROR, "internal error")
                socket.end(closing)
            await self._close(socket, closing, failure)

        return router

    async def _serve(self, socket: WorkflowSocket, user_id: str) -> Closing | None:
        """Claim the reservation the client sends, run it, and say how to close the socket."""
        start_timeout = self.settings.workflow_start_timeout_seconds
        start = await socket.receive_text(
            within_seconds=start_timeout, late=f"no start message within {start_timeout} s"
        )
        claimed = await run_in_threadpool(self._claim, start, user_id)  # a database write
        if claimed is None:
            return Closing(status.WS_1008_POLICY_VIOLATION, "unknown, used or expired workflow id")
        workflow_uuid, reservation = claimed
        self._sockets[workflow_uuid] = socket

        def run() -> None:
            with contextlib.suppress(RunEnded):  # the socket knows why; the endpoint closes it
                self.provider.run(
                    name=reservation.name,
                    ui=self.create_workflow_ui(workflow_uuid),
                    user_id=user_id,
                    **reservation.params,
                )

        try:
            running = self.threads.start(user_id, run)
        except NoRoomToRun as refusal:
            self._sockets.pop(workflow_uuid)
            return Closing(status.WS_1013_TRY_AGAIN_LATER, str(refusal))
        # The thread may outlive the socket (until its next UI call): forget it when it ends.
        running.add_done_callback(lambda _: self._forget(workflow_uuid))
        finished = asyncio.wrap_future(running)
        watching = asyncio.create_task(self._watch_session(socket))
        try:
            await asyncio.wait({finished, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watching.cancel()
        if not finished.done():
            socket.end(watching.result())  # the session ended: stop the workflow
        else:
            finished.result()  # re-raises what went wrong outside the workflow
        if not socket.ended:
            return Closing(status.WS_1000_NORMAL_CLOSURE, "workflow completed")
        if socket.closing is not None:
            await self._tell(socket, workflow_uuid, socket.closing)
        return socket.closing

    def _claim(self, start: str, user_id: str) -> tuple[str, Reservation] | None:
        try:
            workflow_uuid = InitiateWorkflowModel.model_validate_json(start).workflow_uuid.hex
        except ValidationError:
            return None
        reservation = self.reservations.claim(workflow_uuid, user_id)
        return None if reservation is None else (workflow_uuid, reservation)

    async def _watch_session(self, socket: WorkflowSocket) -> Closing:
        """Wait until the caller's access token stops authenticating; say how to close."""
        authorization = socket.websocket.headers.get("Authorization")
        token = get_authorization_scheme_param(authorization)[1]
        interval = self.settings.workflow_session_check_seconds
        # A cached read no older than the interval: a change anywhere is seen within two.
        max_age = min(interval, self.settings.auth_cache_seconds)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            try:
                claims = access_claims(self.settings, token)
                if remembered_principal(self.engine, claims, max_age) is None:
                    await loop.run_in_executor(
                        self._session_checks, read_principal, self.engine, claims
                    )
            except InvalidToken:
                reason = "your session has ended (signed out, disabled or expired)"
                return Closing(status.WS_1008_POLICY_VIOLATION, reason)

    async def _tell(self, socket: WorkflowSocket, workflow_uuid: str, closing: Closing) -> None:
        """Why the run ended, as the FastAgency error message a client displays."""
        error = Error(
            workflow_uuid=workflow_uuid, sender="Workflow", recipient="User", short=closing.reason
        )
        with contextlib.suppress(RunEnded):
            await socket.send_text(json.dumps(error.model_dump()))

    async def _close(
        self, socket: WorkflowSocket, closing: Closing | None, failure: Exception | None
    ) -> None:
        if closing is None:
            return  # the client left
        reason = closing.reason
        if closing.code != status.WS_1000_NORMAL_CLOSURE:
            incident = new_incident()
            logger.log(
                logging.ERROR if failure else logging.WARNING,
                "websocket closed with %s: %s (incident %s)",
                closing.code,
                reason,
                incident,
                exc_info=failure,
            )
            reason = f"{reason} (incident {incident})"
        # The client left meanwhile (as clients do once they have workflow_completed).
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await socket.websocket.close(closing.code, reason)

    def _forget(self, workflow_uuid: str) -> None:
        self._sockets.pop(workflow_uuid, None)
        with self._lock:
            self._incidents.pop(workflow_uuid, None)

    def visit_default(self, message: IOMessage) -> str | None:
        # Every UI call of a workflow, from its thread.
        return self._sockets[message.workflow_uuid].deliver(message)

    def visit_error(self, message: Error) -> str | None:
        incident = new_incident()
        logger.error(
            "workflow %s failed (incident %s): %s %s",
            message.workflow_uuid,
            incident,
            message.short,
            message.long,
        )
        with self._lock:
            self._incidents[message.workflow_uuid] = incident
        return self.visit_default(
            dataclasses.replace(message, short=failure_text(incident), long=None)
        )

    def visit_workflow_completed(self, message: WorkflowCompleted) -> str | None:
        with self._lock:
            incident = self._incidents.pop(message.workflow_uuid, None)
        if incident is not None:
            # The stock result after an error is the exception text: replace it too.
            message = dataclasses.replace(message, result=failure_text(incident))
        return self.visit_default(message)
