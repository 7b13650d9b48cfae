"""Builds the FastAPI application from Settings and a Database; nothing global."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hatchway._version import __version__
from hatchway.api import API_PREFIX, create_api_app
from hatchway.config import Settings
from hatchway.observability.web import install_observability
from hatchway.store import Database
from hatchway.store.models import utcnow
from hatchway.ui.auth.routes import router as auth_router
from hatchway.ui.errors import install_error_handlers
from hatchway.ui.inbox.queries import QueueCounts
from hatchway.ui.ops import ops_routers
from hatchway.ui.routes import decisions, health, inbox, inbox_api, overview, quarantine
from hatchway.ui.settings import UiSettings
from hatchway.ui.templating import install_filters

__all__ = ["CONTENT_SECURITY_POLICY", "create_app"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# No remote anything: pages load only what this server serves, and never run inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(
    settings: Settings,
    database: Database,
    *,
    ui_settings: UiSettings | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The web application: the review inbox and pages for people, /healthz and /readyz."""
    app = FastAPI(
        title="hatchway", version=__version__, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.database = database
    app.state.ui_settings = ui_settings or settings.ui
    app.state.inbox_counts = QueueCounts(ttl=app.state.ui_settings.counts_cache_seconds)
    app.state.clock = clock
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    install_filters(templates)
    app.state.templates = templates
    install_observability(app, settings, database)  # /metrics, /readyz probe, log context
    for router in (
        health.router,
        auth_router,
        overview.router,
        inbox.router,
        inbox_api.router,
        decisions.router,
        quarantine.router,
        *ops_routers(),
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(API_PREFIX, create_api_app(settings, database))  # the JSON API, its own app
    install_error_handlers(app)
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
    if request.url.path != "/healthz" and not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
