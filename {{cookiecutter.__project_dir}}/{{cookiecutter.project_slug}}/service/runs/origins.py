"""Which web pages may open the workflow websocket: its `Origin` header against an allow-list.

A browser sends `Origin` with every websocket handshake, and sends it truthfully: a page on
another site cannot open the websocket in its visitor's name (cross-site websocket hijacking).
Clients that are not browsers send no `Origin`, and authenticate with their bearer header.
"""

from starlette.datastructures import Headers
from starlette.types import Scope

# The HTTP scheme of a page that may open a websocket of each scheme.
PAGE_SCHEMES = {"ws": "http", "wss": "https"}


def own_origin(scope: Scope) -> str:
    """The service's own origin, as this request reached it (`Host`, and the scheme uvicorn
    corrects behind a trusted proxy)."""
    host = Headers(scope=scope).get("host", "")
    return f"{PAGE_SCHEMES.get(scope['scheme'], scope['scheme'])}://{host.lower()}"


def origin_allowed(scope: Scope, allowed_origins: list[str]) -> bool:
    """True without an `Origin` (not a browser) or for an allowed one; the service's own origin
    when the list is empty."""
    origin = Headers(scope=scope).get("origin")
    if origin is None:
        return True
    return origin.lower() in ([o.lower() for o in allowed_origins] or [own_origin(scope)])
