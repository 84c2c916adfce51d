"""A cap on request bodies, enforced while they arrive: an oversized body never fills memory."""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "Request body too large"
# The client may still be sending: closing the connection stops reading the rest of its body.
CLOSE_CONNECTION = {"Connection": "close"}


class BodySizeLimit:
    """Answer 413 to a request whose body is, or says it will be, over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            refusal = JSONResponse({"detail": TOO_LARGE}, 413, headers=CLOSE_CONNECTION)
            await refusal(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            # A chunked body has no length up front: count it as the application reads it.
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI passes an HTTPException from body parsing through to its handler.
                raise HTTPException(413, TOO_LARGE, headers=CLOSE_CONNECTION)
            return message

        await self.app(scope, counting_receive, send)
