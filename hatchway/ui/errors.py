"""How errors reach people: pages get a page (or the login form), /api gets JSON."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hatchway.ui.auth.deps import NotSignedIn
from hatchway.ui.pages import render

__all__ = ["install_error_handlers", "wants_json"]


def wants_json(request: Request) -> bool:
    """JSON for /api/* and for clients that ask for JSON rather than HTML."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for NotSignedIn and HTTPException."""
    app.add_exception_handler(NotSignedIn, _not_signed_in)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]


def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": "not signed in", "reason": exc.reason}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # After signing in, a page comes back; a form post cannot be replayed, so go to the inbox.
    query = urlencode({"next": target if request.method == "GET" else "/inbox", "why": exc.reason})
    return RedirectResponse(f"/login?{query}", status_code=303)


def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    templates = request.app.state.templates
    context = {"status": exc.status_code, "detail": exc.detail}
    return render(
        request, templates, "error.html", context, status_code=exc.status_code, headers=headers
    )
