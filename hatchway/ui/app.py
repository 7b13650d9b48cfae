"""Builds the FastAPI application from Settings and a Database; nothing global."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.templating import Jinja2Templates

from hatchway._version import __version__
from hatchway.config import Settings
from hatchway.store import Database
from hatchway.ui.routes import health, overview

__all__ = ["create_app"]

TEMPLATES_DIR = Path(__file__).parent / "templates"

# No remote anything: pages load only what this server serves, and never run inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(settings: Settings, database: Database) -> FastAPI:
    """The web application: pages for people, /healthz and /readyz for operators."""
    app = FastAPI(title="hatchway", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.database = database
    app.state.templates = Jinja2Templates(directory=TEMPLATES_DIR)
    app.include_router(health.router)
    app.include_router(overview.router)
    app.middleware("http")(_security_headers)
    return app


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
