"""The chat page at /chat: sign in, run a workflow and follow it, in a browser.

Plain HTML, CSS and JavaScript from ../chat/, served by the service itself: no build step, no
CDN, works offline. The page keeps its tokens in memory (a reload signs out) and opens each
workflow's websocket with a single-use ticket (runs/tickets.py).
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ...settings import Settings

CHAT_FILES = Path(__file__).parent.parent / "chat"
ASSETS_URL = "/chat/assets"
# Only the service's own files and connections (its websocket included): no inline script or
# style, no plugins, no framing, and forms post nowhere else.
CHAT_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def chat_page(settings: Settings) -> str:
    page = (CHAT_FILES / "index.html").read_text()
    if settings.demo:
        # A banner shown by the style sheet: visible before any script runs.
        page = page.replace('data-demo="false"', 'data-demo="true"', 1)
    return page


def add_chat_page(app: FastAPI, settings: Settings) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=CHAT_FILES), name="chat-assets")
    page = chat_page(settings)

    @app.get("/chat", include_in_schema=False)
    async def chat() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": CHAT_CSP})
