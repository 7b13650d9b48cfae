"""Wires observability into the web app: /metrics, the readiness probe, request log context."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hatchway.config import Settings
from hatchway.observability.checks import component_checks
from hatchway.observability.context import log_context
from hatchway.observability.metrics import DatabaseCollector
from hatchway.observability.readiness import ReadinessProbe
from hatchway.store import Database

__all__ = ["install_observability", "metrics_router"]

REQUEST_ID_HEADER = "X-Request-ID"
# Paths that serve one item (an inbound message): /inbox/7, /messages/7, /api/v1/messages/7...
_ITEM_PATH = re.compile(r"^/(?:api/v\d+/)?(?:inbox|messages|quarantine)/(\d+)(?:/|$)")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

metrics_router = APIRouter(tags=["observability"])


@metrics_router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus exposition; wants the bearer token when ``observability.metrics_token`` is set."""
    settings: Settings = request.app.state.settings
    token = settings.observability.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response("metrics token required\n", status_code=401, media_type="text/plain")
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install_observability(app: FastAPI, settings: Settings, database: Database) -> None:
    """Add /metrics, the /readyz probe (app.state.readiness) and the request log context."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(database))
    app.state.metrics_registry = registry
    options = settings.observability
    app.state.readiness = ReadinessProbe(
        component_checks(settings, database, timeout=options.readyz_timeout_seconds),
        budget_seconds=options.readyz_timeout_seconds,
        cache_seconds=options.readyz_cache_seconds,
    )
    app.include_router(metrics_router)
    app.middleware("http")(_request_context)


async def _request_context(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Log lines of a request carry its id (the caller's X-Request-ID if sane) and its item."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
    item = _ITEM_PATH.match(request.url.path)
    with log_context(request_id=request_id, item_id=int(item.group(1)) if item else None):
        response = await call_next(request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
