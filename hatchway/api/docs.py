"""The interactive API docs (Swagger UI) at /api/v1/docs, with a CSP of its own.

The review UI's policy allows only this server's scripts; Swagger UI comes from a CDN and
starts with one inline script. This page alone allows that CDN, the inline script only by
its hash (no 'unsafe-inline' for scripts), and nothing else remote: no favicon or
validator badge from elsewhere, and the spec is fetched from this server.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

__all__ = ["SWAGGER_UI_CDN", "docs_content_security_policy", "router"]

# A fixed version, not a floating "@5": what runs on this page changes only when we say so.
SWAGGER_UI_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def docs_content_security_policy(html: str) -> str:
    """The CSP for a docs page: the CDN, and each inline script of ``html`` by its SHA-256."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {SWAGGER_UI_CDN}/ {hashes}; "
        f"style-src {SWAGGER_UI_CDN}/ 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for this API's OpenAPI schema."""
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title="hatchway API",
        swagger_js_url=f"{SWAGGER_UI_CDN}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI_CDN}/swagger-ui.css",
        swagger_favicon_url="data:,",
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    headers = {"Content-Security-Policy": docs_content_security_policy(html)}
    return HTMLResponse(html, headers=headers)
