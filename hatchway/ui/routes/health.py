"""/healthz (the process is alive) and /readyz (it can do its work)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hatchway.observability.readiness import ReadinessProbe

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready: database (migrated), IMAP, SMTP and model providers reachable; 503 names the problem.

    The answer is cached for ``observability.readyz_cache_seconds`` (see ReadinessProbe).
    """
    probe: ReadinessProbe = request.app.state.readiness
    report = await probe.report()
    return JSONResponse(report.as_json(), status_code=200 if report.ready else 503)
