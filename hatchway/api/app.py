"""Builds the JSON API, a FastAPI application of its own mounted by the web app at /api/v1.

Its own application, so it has its own OpenAPI schema and docs (the HTML app has none)
and its own error handlers: everything under /api/v1 answers in JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from hatchway._version import __version__
from hatchway.api import docs
from hatchway.api.errors import ErrorResponse, install_error_handlers
from hatchway.api.routes import categories, decisions, messages, webhooks
from hatchway.config import Settings
from hatchway.store import Database

__all__ = ["API_PREFIX", "create_api_app"]

API_PREFIX = "/api/v1"

_COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The body cannot be decoded (not JSON)."},
    401: {"model": ErrorResponse, "description": "No API key, or not a valid one."},
    403: {"model": ErrorResponse, "description": "The key's role is not enough."},
    422: {"model": ErrorResponse, "description": "A field is invalid; `field` names it."},
    500: {"model": ErrorResponse, "description": "Failed on our side; nothing leaked."},
}


def create_api_app(settings: Settings, database: Database) -> FastAPI:
    """The API application; mount it at :data:`API_PREFIX`."""
    app = FastAPI(
        title="hatchway API",
        version=__version__,
        summary="Submit inbound mail, follow items and drafts, decide on reviews, "
        "read and change category automation.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=_COMMON_RESPONSES,
    )
    app.state.settings = settings
    app.state.database = database
    for router in (
        messages.router,
        decisions.router,
        categories.router,
        webhooks.router,
        docs.router,
    ):
        app.include_router(router)
    install_error_handlers(app)
    return app
