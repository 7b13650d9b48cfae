"""/healthz (the process is alive) and /readyz (it can do its work)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hatchway.errors import DatabaseError
from hatchway.store.migrate import require_current
from hatchway.ui.deps import DatabaseDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(database: DatabaseDep) -> JSONResponse:
    """Ready: the database is reachable and its schema is current."""
    try:
        require_current(database)
    except DatabaseError as exc:
        body = {"status": "unavailable", "database": {"problem": exc.problem, "fix": exc.fix}}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
