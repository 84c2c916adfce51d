"""A workflow's websocket, used from the workflow's thread, with every wait bounded.

FastAgency's adapter makes the workflow thread wait on the websocket for as long as the client
likes. Here a question waits at most the input timeout, every frame must be text within the
size limit, and the server can end the run at any moment (`end`): the workflow thread then gets
`RunEnded` from its current or next UI call, and its thread is free again.
"""

import asyncio
import concurrent.futures
import dataclasses
import json
import threading
from collections.abc import Coroutine
from typing import Any

from fastagency.messages import AskingMessage, IOMessage
from fastapi import WebSocket, WebSocketDisconnect, status


@dataclasses.dataclass(frozen=True)
class Closing:
    """How the server closes a websocket: the close code and a reason for the client."""

    code: int
    reason: str


# A BaseException, like asyncio.CancelledError and for the same reason: it stops a run, and the
# `except Exception` in FastAgency's runtime, AG2 and workflows must not catch it and go on.
class RunEnded(BaseException):
    """The run is over; `closing` is None when the client left (nothing more to tell it)."""

    def __init__(self, closing: Closing | None) -> None:
        super().__init__(closing.reason if closing else "the client left")
        self.closing = closing


class WorkflowSocket:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        input_timeout_seconds: float,
        max_message_bytes: int,
    ) -> None:
        self.websocket = websocket
        self.input_timeout_seconds = input_timeout_seconds
        self.max_message_bytes = max_message_bytes
        self._loop = asyncio.get_running_loop()
        self.ended = False
        self.closing: Closing | None = None
        self._pending: concurrent.futures.Future[Any] | None = None
        self._lock = threading.Lock()

    def end(self, closing: Closing | None) -> None:
        """End the run from outside it, waking a workflow thread that waits on the socket."""
        self._ended(closing)  # first, so that no new wait starts after the one cancelled here
        with self._lock:
            pending = self._pending
        if pending is not None:
            pending.cancel()

    def _ended(self, closing: Closing | None) -> RunEnded:
        """Record the end (the first one counts); the exception that stops the run."""
        with self._lock:
            if not self.ended:
                self.ended, self.closing = True, closing
        return RunEnded(self.closing)

    async def receive_text(self, *, within_seconds: float, late: str) -> str:
        """The client's next message; ends the run if it is late, binary, too long or gone."""
        # asyncio.wait, not wait_for: its TimeoutError is not the built-in one before 3.11.
        receiving = asyncio.ensure_future(self.websocket.receive())
        try:
            done, _ = await asyncio.wait({receiving}, timeout=within_seconds)
        finally:
            receiving.cancel()  # no-op once it is done
        if not done:
            raise self._ended(Closing(status.WS_1008_POLICY_VIOLATION, late))
        message = receiving.result()
        if message["type"] == "websocket.disconnect":
            raise self._ended(None)
        text = message.get("text")
        if text is None:
            raise self._ended(Closing(status.WS_1003_UNSUPPORTED_DATA, "send text messages only"))
        if len(text.encode()) > self.max_message_bytes:
            limit = f"messages are limited to {self.max_message_bytes} bytes"
            raise self._ended(Closing(status.WS_1009_MESSAGE_TOO_BIG, limit))
        return str(text)

    async def send_text(self, text: str) -> None:
        try:
            await self.websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError):  # the client left, or the socket is closed
            raise self._ended(None) from None

    # Called from the workflow's thread (FastAgency's UI calls end here).
    def deliver(self, message: IOMessage) -> str | None:
        """Send `message`; for a question, wait for the answer (at most the input timeout)."""
        text = json.dumps(message.model_dump())
        if isinstance(message, AskingMessage):
            answer: str = self._on_loop(self._ask(text))
            return answer
        self._on_loop(self.send_text(text))
        return None

    async def _ask(self, text: str) -> str:
        await self.send_text(text)
        late = f"no answer within {self.input_timeout_seconds:g} s: the workflow has ended"
        return await self.receive_text(within_seconds=self.input_timeout_seconds, late=late)

    def _on_loop(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        with self._lock:
            if self.ended:
                coroutine.close()
                raise RunEnded(self.closing)
            pending = self._pending = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return pending.result()
        except concurrent.futures.CancelledError:
            raise RunEnded(self.closing) from None  # `end` cancelled it
        finally:
            with self._lock:
                self._pending = None
