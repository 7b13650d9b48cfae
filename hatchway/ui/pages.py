"""Rendering pages: every template gets the signed-in user, its CSRF token and the nav."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hatchway.ui.auth.sessions import SignedIn

__all__ = ["render"]


def render(
    request: Request,
    templates: Jinja2Templates,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The template filled with ``context`` plus ``user`` and ``csrf_token`` (when signed in)."""
    user: SignedIn | None = getattr(request.state, "user", None)
    full = {"user": user, "csrf_token": user.csrf_token if user else "", **(context or {})}
    response: HTMLResponse = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=headers
    )
    return response
