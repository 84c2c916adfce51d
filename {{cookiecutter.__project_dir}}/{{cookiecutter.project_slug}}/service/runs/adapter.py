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
- Browsers, which cannot send an Authorization header on a websocket, open it with a single-use
  ticket for one reservation (tickets.py; POST /fastagency/ticket); a run opened so ends with its
  sign-in session (the chat page refreshes its access token meanwhile). A handshake whose
  `Origin` is not allowed (origins.py) is closed with 1008 before anything else happens.
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
from functools import partial
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
    session_claims,
)
from ..deps import CurrentUser
from ..errors import NO_STORE, insufficient_role
from .origins import origin_allowed
from .reservations import Reservation, Reservations, TooManyReservations, hashed
from .socket import Closing, RunEnded, WorkflowSocket
from .threads import AllThreadsBusy, NoRoomToRun, WorkflowThreads
from .tickets import Tickets

logger = logging.getLogger(__name__)

# The provider's own arguments: params with these names would collide with them.
RESERVED_PARAMS = frozenset({"name", "ui", "user_id"})


TICKET_PATH = "/fastagency/ticket"
SESSION_ENDED = "your session has ended (signed out, disabled or expired)"
FOREIGN_ORIGIN = "this page's origin may not open workflows (see ALLOWED_ORIGINS)"
BAD_TICKET = "unknown, used or expired ticket: start the workflow again"


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who opened a websocket, and how: with a bearer token, or with a ticket (which also
    names the one reservation the websocket may start)."""

    user_id: str
    # What the session check checks: raises InvalidToken once a bearer token has expired.
    claims: Callable[[], dict[str, Any]]
    reservation_hash: str | None = None


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


class TicketRequest(BaseModel):
    workflow_uuid: uuid.UUID  # as /fastagency/initiate_workflow answered it


class TicketModel(BaseModel):
    ticket: str
    expires_in: int  # seconds


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
        self.tickets = Tickets(engine, lifetime_seconds=settings.websocket_ticket_seconds)
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

        @router.post(TICKET_PATH, responses={401: {}, 404: {}})
        def websocket_ticket(
            request: TicketRequest, user: CurrentUser, response: Response
        ) -> TicketModel:
            """A ticket that opens the websocket, once, for your reservation `workflow_uuid`:
            `ws?ticket=...` within `expires_in` seconds, for browsers (which cannot send an
            Authorization header there)."""
            ticket = self.tickets.issue(user, request.workflow_uuid.hex)
            if ticket is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such workflow reservation")
            response.headers.update(NO_STORE)
            return TicketModel(ticket=ticket, expires_in=self.settings.websocket_ticket_seconds)

        @router.websocket(self.ws_path)
        async def websocket_endpoint(websocket: WebSocket) -> None:
            ticket = websocket.query_params.get("ticket")
            caller: Caller | Closing
            if not origin_allowed(websocket.scope, self.settings.allowed_origins):
                caller = Closing(status.WS_1008_POLICY_VIOLATION, FOREIGN_ORIGIN)
            elif ticket is not None:
                caller = await run_in_threadpool(self._ticket_caller, ticket)  # a database write
            else:
                try:
                    caller = await self._bearer_caller(websocket)
                except HTTPException as refusal:
                    await websocket.send_denial_response(
                        Response(status_code=refusal.status_code, headers=refusal.headers)
                    )
                    return
            # Refusals too are told after the handshake: a browser sees a close code and reason,
            # never the status of a denied handshake.
            await websocket.accept()
            socket = WorkflowSocket(
                websocket,
                input_timeout_seconds=self.settings.workflow_input_timeout_seconds,
                max_message_bytes=self.settings.websocket_max_message_bytes,
            )
            if isinstance(caller, Closing):
                await self._close(socket, caller, None)
                return
            failure: Exception | None = None
            try:
                closing = await self._serve(socket, caller)
            except RunEnded as ended:
                closing = ended.closing
            except Exception as error:
                failure, closing = error, Closing(status.WS_1011_INTERNAL_ERROR, "internal error")
                socket.end(closing)
            await self._close(socket, closing, failure)

        return router

    async def _bearer_caller(self, websocket: WebSocket) -> Caller:
        """The caller of the Authorization header; raises HTTPException (401) without one."""
        user_id = await self.get_user_id_websocket(websocket)
        token = get_authorization_scheme_param(websocket.headers.get("Authorization"))[1]
        return Caller(user_id, partial(access_claims, self.settings, token))

    def _ticket_caller(self, ticket: str) -> Caller | Closing:
        """The caller a ticket opens for (using it up), or why it opens nothing."""
        opened = self.tickets.redeem(ticket)
        if opened is None:
            return Closing(status.WS_1008_POLICY_VIOLATION, BAD_TICKET)
        claims = session_claims(opened.user_public_id, opened.session_id, opened.token_generation)
        try:
            read_principal(self.engine, claims)  # signed out since the ticket was issued?
        except InvalidToken:
            return Closing(status.WS_1008_POLICY_VIOLATION, SESSION_ENDED)
        return Caller(opened.user_public_id, lambda: claims, opened.reservation_hash)

    async def _serve(self, socket: WorkflowSocket, caller: Caller) -> Closing | None:
        """Claim the reservation the client sends, run it, and say how to close the socket."""
        user_id = caller.user_id
        start_timeout = self.settings.workflow_start_timeout_seconds
        start = await socket.receive_text(
            within_seconds=start_timeout, late=f"no start message within {start_timeout} s"
        )
        claimed = await run_in_threadpool(self._claim, start, caller)  # a database write
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
        watching = asyncio.create_task(self._watch_session(caller))
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

    def _claim(self, start: str, caller: Caller) -> tuple[str, Reservation] | None:
        try:
            workflow_uuid = InitiateWorkflowModel.model_validate_json(start).workflow_uuid.hex
        except ValidationError:
            return None
        if caller.reservation_hash not in (None, hashed(workflow_uuid)):
            return None  # a ticket opens its own reservation only
        reservation = self.reservations.claim(workflow_uuid, caller.user_id)
        return None if reservation is None else (workflow_uuid, reservation)

    async def _watch_session(self, caller: Caller) -> Closing:
        """Wait until the caller's session ends (for a bearer token: until the token stops
        authenticating); say how to close."""
        interval = self.settings.workflow_session_check_seconds
        # A cached read no older than the interval: a change anywhere is seen within two.
        max_age = min(interval, self.settings.auth_cache_seconds)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            try:
                claims = caller.claims()
                if remembered_principal(self.engine, claims, max_age) is None:
                    await loop.run_in_executor(
                        self._session_checks, read_principal, self.engine, claims
                    )
            except InvalidToken:
                return Closing(status.WS_1008_POLICY_VIOLATION, SESSION_ENDED)

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
