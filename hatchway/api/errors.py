"""Every error under /api/v1 is JSON: ``{"error": {"code", "message", "field"}}``.

Validation errors name the field at fault (a dotted path), HTTP errors keep their status,
and an unexpected failure is logged here and answered with a plain 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from hatchway.errors import HatchwayError

__all__ = ["ApiError", "ErrorBody", "ErrorResponse", "error_response", "install_error_handlers"]

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


class ErrorBody(BaseModel):
    """What went wrong: a stable machine code, a sentence for people, the field at fault."""

    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """The body of every error answer of the API."""

    error: ErrorBody


class ApiError(HatchwayError):
    """An error answer the API means to give (status, code, message, field)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers
        super().__init__(message)


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON answer for one error."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """JSON for ApiError, validation errors, HTTP errors and anything unexpected."""
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.middleware("http")(_unexpected_errors)


def _api_error(request: Request, exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors: Sequence[Any] = exc.errors()
    first = errors[0] if errors else {}
    field = _field_path(first.get("loc", ()))
    message = str(first.get("msg", "invalid request"))
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return error_response(422, "validation_error", message, field)


def _field_path(loc: Sequence[Any]) -> str | None:
    """``("body", "to", 0)`` → ``"to.0"``; the location kind (body, query...) is left out."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or None


def _http_error(request: Request, exc: HTTPException) -> Response:
    code = _CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return error_response(exc.status_code, code, message, headers=dict(exc.headers or {}))


async def _unexpected_errors(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    # Caught here rather than by an Exception handler: Starlette re-raises after those,
    # and the client must get JSON, never a traceback or the HTML app's error page.
    try:
        return await call_next(request)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")
